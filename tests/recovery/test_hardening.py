"""Issue 14 #2 and #3: recovery needs a proof the system checked, and completion leaves the
attacker nothing (tokens, sessions, lost factors), telling every address the account had."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from allauth.account.models import EmailAddress
from django.test import Client, TestCase
from django.utils import timezone
from django_otp import devices_for_user

from accounts.models import AccountEvent
from core.errors import Conflict
from recovery import services
from recovery.models import RepositoryChallenge, Ticket
from recovery.tasks import process_recovery_tickets
from tests.conftest import login_verified
from tests.factories import EmailAddressFactory, TicketFactory, TokenFactory, TOTPDeviceFactory
from tests.packages.conftest import upload, wheel
from tests.recovery.conftest import make_support_staff
from tests.recovery.helpers import file_request, link_in, mails_to

pytestmark = pytest.mark.django_db


def committed(call, *args, **kwargs):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return call(*args, **kwargs)


def act(client, ticket, action, **data):
    return client.post(f"/admin/recovery/ticket/{ticket.pk}/act/{action}/", data, follow=True)


def ticket_page(client, ticket) -> str:
    return client.get(f"/admin/recovery/ticket/{ticket.pk}/change/").content.decode()


def test_public_facts_alone_cannot_be_approved(support_client, dag):
    # Repository URL and project name: what anyone reads on the project page.
    ticket = TicketFactory(
        account=dag,
        repository_urls=["https://github.com/dag-dev/attest"],
        claimed_projects=["Attest"],
    )
    page = act(support_client, ticket, "approve", remedies=["remove_two_factor"], reason="ok")
    text = page.content.decode()
    assert "Nothing the system checked supports this claim" in text
    assert "send a repository challenge" in text and "four eyes" in text
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN


def test_an_approver_cannot_be_their_own_second_pair_of_eyes(support, owner):
    ticket = TicketFactory(account=owner)
    services.ticket_endorse(ticket=ticket, staff=support, reason="looks right")
    with pytest.raises(Conflict, match="Nothing the system checked"):
        services.ticket_approve(ticket=ticket, staff=support, remedies=[], reason="ok")
    other = make_support_staff(username="kim")
    services.ticket_approve(ticket=ticket, staff=other, remedies=[], reason="sam vouched")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.APPROVED
    approved = ticket.events.get(action="approved")
    assert approved.actor == other and "four eyes" in approved.details["proofs"][0]


def test_a_passed_repository_challenge_is_a_proof(support_client, dag, fake_web):
    repository = f"{fake_web.url}/dag-dev/attest"
    ticket = TicketFactory(account=dag, repository_urls=[repository])
    act(support_client, ticket, "challenge", repository_url=repository)
    challenge = RepositoryChallenge.objects.get()
    fake_web.pages["/dag-dev/attest/wharf-recovery.txt"] = (200, challenge.nonce.encode())
    act(support_client, ticket, "check_challenge", challenge=challenge.pk)
    assert "The repository challenge passed" in ticket_page(support_client, ticket)
    act(support_client, ticket, "approve", reason="challenge matched")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.APPROVED


def test_a_verified_address_of_the_account_answering_is_a_proof(
    client, owner, support_client, mailoutbox
):
    # Ruth lost her authenticator but still reads ruth@example.com, a verified address.
    TOTPDeviceFactory(user=owner)
    file_request(client, account="ruth", contact_email="ruth@example.com", lost=["two_factor"])
    client.post(link_in(mails_to(mailoutbox, "ruth@example.com")[0], "verify"))
    ticket = Ticket.objects.get()
    page = ticket_page(support_client, ticket)
    assert "A verified address of the account (ruth@example.com) answered" in page
    act(support_client, ticket, "approve", reason="her own verified address")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.APPROVED


def test_an_unverified_address_answering_proves_nothing(client, dag, support, mailoutbox):
    file_request(client, account="dag", contact_email="dag@oldmail.example")
    client.post(link_in(mails_to(mailoutbox, "dag@oldmail.example")[-1], "verify"))
    ticket = Ticket.objects.get()
    with pytest.raises(Conflict, match="Nothing the system checked"):
        services.ticket_approve(ticket=ticket, staff=support, remedies=[], reason="ok")


def test_a_code_from_a_still_registered_factor_is_a_proof(
    client, owner, support_client, mailoutbox
):
    device = TOTPDeviceFactory(user=owner)
    ticket = TicketFactory(account=owner, contact_email="ruth@new.example", lost=["password"])
    act(support_client, ticket, "request_info", question="Enter a code from your app, please.")
    answer = link_in(mails_to(mailoutbox, "ruth@new.example")[-1], "answer")
    response = client.post(answer, {"answer": "Here it is.", "code": "000000"})
    assert response.status_code == 200
    assert "A second factor" not in ticket_page(support_client, ticket)
    assert ticket.events.filter(action="factor_refused").exists()

    act(support_client, ticket, "request_info", question="That code was wrong; again please.")
    answer = link_in(mails_to(mailoutbox, "ruth@new.example")[-1], "answer")
    device.refresh_from_db()
    device.throttle_reset()
    code = pyotp.parse_uri(device.config_url).now()
    client.post(answer, {"answer": "Second try.", "code": code})
    assert "A second factor still registered on the account accepted a code (TOTPDevice)" in (
        ticket_page(support_client, ticket)
    )
    act(support_client, ticket, "approve", reason="the app's code")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.APPROVED


def test_accounts_with_two_factor_wait_longer(support, owner, settings):
    plain = TicketFactory(account=owner)
    services.ticket_endorse(ticket=plain, staff=make_support_staff(), reason="ok")
    plain = services.ticket_approve(ticket=plain, staff=support, remedies=[], reason="ok")
    assert plain.effective_at - plain.approved_at == timedelta(hours=24)

    guarded = TicketFactory(account=TOTPDeviceFactory().user)
    services.ticket_endorse(ticket=guarded, staff=make_support_staff(), reason="ok")
    guarded = services.ticket_approve(ticket=guarded, staff=support, remedies=[], reason="ok")
    assert guarded.effective_at - guarded.approved_at == timedelta(days=7)

    settings.RECOVERY_WAITING_PERIOD_TWO_FACTOR = timedelta(days=10)
    later = TicketFactory(account=TOTPDeviceFactory().user)
    services.ticket_endorse(ticket=later, staff=make_support_staff(), reason="ok")
    later = services.ticket_approve(ticket=later, staff=support, remedies=[], reason="ok")
    assert later.effective_at - later.approved_at == timedelta(days=10)


def test_the_owner_can_cancel_from_any_verified_address(client, owner, support, mailoutbox):
    EmailAddressFactory(user=owner, email="ruth@work.example", verified=True, primary=False)
    EmailAddressFactory(user=owner, email="ruth@stale.example", verified=False, primary=False)
    file_request(client, account="ruth", contact_email="thief@evil.example")
    client.post(link_in(mails_to(mailoutbox, "thief@evil.example")[0], "verify"))
    warned = {address for m in mailoutbox if "cancel" in m.body for address in m.to}
    assert warned == {"ruth@example.com", "ruth@work.example"}
    [work] = [m for m in mails_to(mailoutbox, "ruth@work.example")]
    assert Client().post(link_in(work, "cancel")).status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.status == Ticket.Status.CANCELLED
    assert ticket.events.get(action="cancelled_by_owner").details["address"] == "ruth@work.example"


def test_completion_leaves_the_attacker_nothing_whatever_staff_ticked(
    client, owner, support, mailoutbox
):
    """The attacker holds a session and an API token of ruth's account, and added an address."""
    attacker_token = TokenFactory(user=owner)
    TOTPDeviceFactory(user=owner)  # the attacker's authenticator
    EmailAddressFactory(user=owner, email="attacker@evil.example", verified=False, primary=False)
    attacker = Client()
    attacker.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    twine = Client()
    uploaded = upload(twine, wheel(), "__token__", password=attacker_token.raw)
    assert uploaded.status_code == 200, uploaded.content

    # Ruth (who lost her 2FA to the attacker) asks; staff tick no remedy at all.
    ticket = TicketFactory(
        account=owner, contact_email="ruth@example.com", lost=["two_factor", "compromised"]
    )
    kim = make_support_staff(username="kim")
    services.ticket_endorse(ticket=ticket, staff=kim, reason="knows the project history")
    committed(services.ticket_approve, ticket=ticket, staff=support, remedies=[], reason="ok")
    Ticket.objects.filter(pk=ticket.pk).update(effective_at=timezone.now() - timedelta(minutes=1))
    mailoutbox.clear()
    committed(process_recovery_tickets.delay)

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.COMPLETED
    # The token and the session are dead; the attacker's factor is gone.
    refused = upload(Client(), wheel(version="2.0"), "__token__", password=attacker_token.raw)
    assert refused.status_code == 403, refused.content
    assert attacker.get("/manage/account/").status_code == 302
    assert list(devices_for_user(owner, confirmed=None)) == []
    # Every address the account had hears of it, the attacker's unverified one too.
    [notice] = [m for m in mailoutbox if "was recovered" in m.subject]
    assert sorted(notice.to) == ["attacker@evil.example", "ruth@example.com"]
    # Each change is in the account's history with the approving staff member as actor.
    events = {e.tag: e.details for e in AccountEvent.objects.filter(user=owner)}
    for tag in (
        "account:token:revoked",
        "account:two_factor:removed_all",
        "account:password:disabled",
        "account:sessions:ended",
        "account:recovery:completed",
    ):
        details = events[tag]
        assert details.get("actor", details.get("revoked_by")) == support.username, tag
    assert events["account:sessions:ended"]["count"] == 1
    completed = ticket.events.get(action="completed")
    assert completed.actor == support and completed.details["revoked_tokens"]


def test_admin_cannot_set_a_password_only_send_a_reset_link(client, owner, mailoutbox):
    superuser = make_support_staff(username="root", is_superuser=True)
    login_verified(client, superuser)
    password_page = f"/admin/accounts/user/{owner.pk}/password/"
    assert client.get(password_page).status_code == 404
    response = client.post(
        password_page, {"password1": "attacker chosen 42!", "password2": "attacker chosen 42!"}
    )
    assert response.status_code == 404
    owner.refresh_from_db()
    assert not owner.check_password("attacker chosen 42!")
    change = client.get(f"/admin/accounts/user/{owner.pk}/change/").content.decode()
    assert "/password/" not in change

    response = client.post(
        "/admin/accounts/user/",
        {"action": "send_password_reset", "_selected_action": [owner.pk]},
        follow=True,
    )
    assert "Sent a password reset link to 1 account" in response.content.decode()
    [mail] = mailoutbox
    assert mail.to == ["ruth@example.com"] and "/accounts/password/reset/key/" in mail.body
    event = AccountEvent.objects.get(user=owner, tag="account:password:reset_link_sent")
    assert event.details["actor"] == "root"
    assert EmailAddress.objects.filter(user=owner, verified=True).count() == 1
