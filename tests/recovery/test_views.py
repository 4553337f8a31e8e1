from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from recovery.models import Ticket, TicketLink
from tests.factories import UserFactory
from tests.recovery.helpers import file_request, form_data, link_in, mails_to

pytestmark = pytest.mark.django_db


def test_form_renders_without_sign_in(client):
    response = client.get("/recovery/")
    assert response.status_code == 200
    assert b"code of conduct" in response.content
    assert b"Contact email" in response.content


def test_form_requires_code_of_conduct_and_review_acknowledgement(client):
    response = client.post(
        "/recovery/", form_data(agree_code_of_conduct=None, acknowledge_review_time=None)
    )
    assert response.status_code == 200
    assert b"You must agree to the code of conduct" in response.content
    assert b"Please acknowledge that review takes time" in response.content
    assert not Ticket.objects.exists()


def test_form_refuses_a_bad_repository_url_with_a_hint(client, dag):
    response = client.post("/recovery/", form_data(repository_urls="not a url"))
    assert response.status_code == 200
    assert b"write it as https://github.com/owner/repo" in response.content


def test_request_stores_ticket_and_asks_to_confirm_contact(client, dag, mailoutbox):
    response = file_request(client)
    assert response.status_code == 302
    assert response["Location"] == "/recovery/sent/"
    ticket = Ticket.objects.get()
    assert ticket.account == dag
    assert ticket.status == Ticket.Status.AWAITING_VERIFICATION
    assert ticket.repository_urls == ["https://github.com/dag-dev/attest"]
    assert ticket.claimed_projects == ["Attest"]
    assert ticket.ip_address == "203.0.113.7"
    [mail] = mailoutbox
    assert mail.to == ["dag@newmail.example"]
    assert ticket.reference in mail.subject
    assert link_in(mail, "verify")
    assert list(ticket.events.values_list("action", flat=True)) == ["created", "verification_sent"]


def test_form_answers_the_same_for_existing_and_unknown_accounts(client, dag, mailoutbox):
    known = file_request(client, account="dag", contact_email="a@claim.example")
    page_known = client.get(known["Location"]).content.replace(b"a@claim.example", b"X")
    unknown = file_request(client, account="no-such-user", contact_email="b@claim.example")
    page_unknown = client.get(unknown["Location"]).content.replace(b"b@claim.example", b"X")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert page_known == page_unknown
    # The same mail goes out either way (only the reference, link and address differ).
    first, second = mailoutbox
    assert first.subject.split(" R-")[0] == second.subject.split(" R-")[0]
    assert len(first.body.splitlines()) == len(second.body.splitlines())
    tickets = {t.claimed_account: t for t in Ticket.objects.all()}
    assert tickets["no-such-user"].account is None
    # Confirming the unknown-account ticket also looks the same.
    response = client.post(link_in(second, "verify"))
    assert response.status_code == 200
    assert b"is now with our support staff" in response.content


def test_account_found_by_any_email_address(client, owner, mailoutbox):
    file_request(client, account="RUTH@example.com")
    assert Ticket.objects.get().account == owner


def test_rate_limit_per_account(client, dag, settings):
    settings.RATE_LIMITS = {
        **settings.RATE_LIMITS,
        "recovery_ip": "100/3600",
        "recovery_account": "2/86400",
    }
    for n in range(2):
        assert file_request(client, contact_email=f"x{n}@claim.example").status_code == 302
    refused = client.post("/recovery/", form_data(account="DAG"), REMOTE_ADDR="198.51.100.1")
    assert refused.status_code == 429
    assert b"Wait an hour and try again" in refused.content
    assert 86000 < int(refused["Retry-After"]) <= 86400
    assert Ticket.objects.count() == 2


def test_rate_limit_per_account_is_the_same_for_unknown_accounts(client, dag, settings):
    settings.RATE_LIMITS = {
        **settings.RATE_LIMITS,
        "recovery_ip": "100/3600",
        "recovery_account": "1/86400",
    }
    assert file_request(client, account="dag").status_code == 302
    assert file_request(client, account="ghost").status_code == 302
    assert file_request(client, account="dag").status_code == 429
    assert file_request(client, account="ghost").status_code == 429


def test_rate_limit_per_ip(client, dag, settings):
    settings.RATE_LIMITS = {
        **settings.RATE_LIMITS,
        "recovery_ip": "3/3600",
        "recovery_account": "100/86400",
    }
    for n in range(3):
        assert file_request(client, account=f"someone{n}").status_code == 302
    refused = file_request(client, account="someone-else")
    assert refused.status_code == 429
    assert b"Wait an hour and try again" in refused.content
    # Another address is not affected.
    other = client.post("/recovery/", form_data(), REMOTE_ADDR="198.51.100.9")
    assert other.status_code == 302


def test_verify_link_opens_ticket_and_warns_every_verified_address(client, owner, mailoutbox):
    from tests.factories import EmailAddressFactory

    EmailAddressFactory(user=owner, email="ruth@work.example", verified=True)
    EmailAddressFactory(user=owner, email="ruth@unverified.example", verified=False)
    file_request(client, account="ruth", contact_email="claimant@evil.example")
    verify = link_in(mailoutbox[0], "verify")
    page = client.get(verify)
    assert page.status_code == 200 and b"Confirm" in page.content
    assert Ticket.objects.get().status == Ticket.Status.AWAITING_VERIFICATION  # GET changes nothing
    response = client.post(verify)
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.contact_verified_at is not None
    warnings = [m for m in mailoutbox if "Someone asked to recover" in m.subject]
    assert sorted(m.to[0] for m in warnings) == ["ruth@example.com", "ruth@work.example"]
    for mail in warnings:
        assert ticket.reference in mail.body
        assert link_in(mail, "cancel")
    claimant = mails_to(mailoutbox, "claimant@evil.example")
    assert len(claimant) == 2 and ticket.reference in claimant[1].subject
    assert owner.events.filter(tag="account:recovery:requested").exists()


def test_links_are_single_use(client, dag, mailoutbox):
    file_request(client)
    verify = link_in(mailoutbox[0], "verify")
    assert client.post(verify).status_code == 200
    again = client.post(verify)
    assert again.status_code == 404
    assert b"expired or was already used" in again.content
    assert b"/recovery/" in again.content


def test_links_expire(client, dag, mailoutbox):
    file_request(client)
    TicketLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(link_in(mailoutbox[0], "verify"))
    assert response.status_code == 404
    assert b"file a new request at http://localhost:8000/recovery/" in response.content
    assert Ticket.objects.get().status == Ticket.Status.AWAITING_VERIFICATION


def test_tampered_or_other_tickets_link_is_refused(client, dag, mailoutbox):
    file_request(client, contact_email="one@claim.example")
    file_request(client, contact_email="two@claim.example")
    first = link_in(mailoutbox[0], "verify")
    second = link_in(mailoutbox[1], "verify")
    public_first = first.split("/")[3].split(".")[0]
    secret_second = second.split("/")[3].split(".")[1]
    forged = f"/recovery/verify/{public_first}.{secret_second}/"
    assert client.post(forged).status_code == 404
    assert client.get("/recovery/verify/garbage/").status_code == 404
    assert client.post(first.replace("/verify/", "/cancel/")).status_code == 404
    assert set(Ticket.objects.values_list("status", flat=True)) == {
        Ticket.Status.AWAITING_VERIFICATION
    }


def test_claimant_cannot_see_tickets_in_admin(client, dag):
    claimant = UserFactory(verified=True)
    client.force_login(claimant, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/admin/recovery/ticket/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("page", ["/accounts/login/", "/accounts/password/reset/"])
def test_recovery_is_reachable_from_sign_in_pages(client, page):
    response = client.get(page)
    assert response.status_code == 200
    assert b'href="/recovery/"' in response.content


def test_code_of_conduct_is_linked_from_the_form(client):
    form = client.get("/recovery/")
    assert b'href="/recovery/code-of-conduct/"' in form.content
    page = client.get("/recovery/code-of-conduct/")
    assert page.status_code == 200 and b"you ask only for an account that is yours" in page.content
