from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.test import Client, TestCase
from django.utils import timezone
from django_otp import devices_for_user

from core.errors import Conflict
from recovery import services
from recovery.models import Ticket, TicketLink
from recovery.tasks import process_recovery_tickets
from tests.factories import PASSWORD, TicketFactory, TokenFactory, TOTPDeviceFactory
from tests.recovery.conftest import make_support_staff
from tests.recovery.helpers import file_request, link_in, mails_to, vouch


def committed(call, *args, **kwargs):
    """Run a service or task as a committed request would: its on-commit mail goes out."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return call(*args, **kwargs)


pytestmark = pytest.mark.django_db


def _verified_ticket(client, mailoutbox, account: str, contact: str) -> Ticket:
    file_request(client, account=account, contact_email=contact)
    client.post(link_in(mails_to(mailoutbox, contact)[0], "verify"))
    return Ticket.objects.get(contact_email=contact)


def _pass_waiting_period(ticket: Ticket) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(effective_at=timezone.now() - timedelta(minutes=1))


def test_owner_cancel_link_stops_an_approved_ticket(client, owner, support, mailoutbox):
    ticket = _verified_ticket(client, mailoutbox, "ruth", "attacker@evil.example")
    vouch(ticket)
    committed(
        services.ticket_approve,
        ticket=ticket,
        staff=support,
        remedies=["set_contact_email"],
        reason="convincing",
    )
    warning = [m for m in mails_to(mailoutbox, "ruth@example.com") if "approved" in m.subject][0]
    cancel = link_in(warning, "cancel")

    owner_browser = Client()  # no sign-in needed
    page = owner_browser.get(cancel)
    assert page.status_code == 200 and b"This wasn't me" in page.content
    response = owner_browser.post(cancel)
    assert response.status_code == 200
    assert b"cancelled" in response.content
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CANCELLED
    assert ticket.events.filter(action="cancelled_by_owner", actor_kind="owner").exists()
    assert owner.events.filter(tag="account:recovery:cancelled").exists()
    assert "cancelled" in mails_to(mailoutbox, "attacker@evil.example")[-1].body

    # The ticket is frozen: the waiting period passing changes nothing, staff cannot revive it.
    _pass_waiting_period(ticket)
    committed(process_recovery_tickets.delay)
    ticket.refresh_from_db()
    owner.refresh_from_db()
    assert ticket.status == Ticket.Status.CANCELLED
    assert owner.check_password(PASSWORD)
    assert not EmailAddress.objects.filter(email="attacker@evil.example").exists()
    with pytest.raises(Exception, match="only open tickets can be approved"):
        vouch(ticket)
        committed(
            services.ticket_approve, ticket=ticket, staff=support, remedies=[], reason="again"
        )
    # Every other link of the ticket died with it, and the cancel link is single-use.
    assert owner_browser.post(cancel).status_code == 404
    assert not TicketLink.objects.filter(
        ticket=ticket, used_at__isnull=True, expires_at__gt=timezone.now()
    ).exists()


def test_earlier_warning_link_also_cancels(client, owner, support, mailoutbox):
    ticket = _verified_ticket(client, mailoutbox, "ruth", "attacker@evil.example")
    first_warning = mails_to(mailoutbox, "ruth@example.com")[0]
    assert "Someone asked to recover" in first_warning.subject
    vouch(ticket)
    committed(services.ticket_approve, ticket=ticket, staff=support, remedies=[], reason="ok")
    assert Client().post(link_in(first_warning, "cancel")).status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CANCELLED


def test_waiting_period_holds_until_it_passes(client, owner, support, mailoutbox, settings):
    settings.RECOVERY_WAITING_PERIOD = timedelta(hours=24)
    ticket = _verified_ticket(client, mailoutbox, "ruth", "ruth@new.example")
    vouch(ticket)
    committed(services.ticket_approve, ticket=ticket, staff=support, remedies=[], reason="ok")
    committed(process_recovery_tickets.delay)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.APPROVED
    assert owner.check_password(PASSWORD)


def test_completion_applies_remedies_and_ends_sessions(client, owner, support, mailoutbox):
    TOTPDeviceFactory(user=owner)
    token = TokenFactory(user=owner)
    owner_session = Client()
    owner_session.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    assert owner_session.get("/manage/account/").status_code == 200

    ticket = _verified_ticket(client, mailoutbox, "ruth", "ruth@new.example")
    vouch(ticket)
    committed(
        services.ticket_approve,
        ticket=ticket,
        staff=support,
        remedies=["set_contact_email", "remove_two_factor", "revoke_tokens"],
        reason="challenge matched",
    )
    _pass_waiting_period(ticket)
    mailoutbox.clear()
    result = committed(process_recovery_tickets.delay).get()
    assert result["completed"] == 1

    ticket.refresh_from_db()
    owner.refresh_from_db()
    token.refresh_from_db()
    assert ticket.status == Ticket.Status.COMPLETED
    primary = EmailAddress.objects.get(user=owner, primary=True)
    assert (primary.email, primary.verified) == ("ruth@new.example", True)
    assert owner.email == "ruth@new.example"
    assert list(devices_for_user(owner, confirmed=None)) == []
    assert token.revoked_at is not None and ticket.reference in token.revoked_reason
    assert not owner.has_usable_password()
    # The session signed in before recovery is over.
    assert owner_session.get("/manage/account/").status_code == 302
    assert owner.events.filter(tag="account:recovery:completed").exists()
    completed = ticket.events.get(action="completed")
    assert completed.actor_kind == "system" and completed.details["revoked_tokens"]

    set_password = [m for m in mailoutbox if "set your new password" in m.subject]
    assert [m.to for m in set_password] == [["ruth@new.example"]]
    notices = [m for m in mailoutbox if "was recovered" in m.subject]
    # The old and the new address both hear about it.
    [notice] = notices
    assert sorted(notice.to) == ["ruth@example.com", "ruth@new.example"]
    assert ticket.reference in notice.subject
    assert any("was revoked" in m.subject for m in mailoutbox)  # tokens' own notice

    # The one-time link sets the password once.
    path = link_in(set_password[0], "password")
    response = Client().post(
        path, {"password1": "a new long passphrase 42", "password2": "a new long passphrase 42"}
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("a new long passphrase 42")
    again = Client().post(
        path, {"password1": "another passphrase 4242", "password2": "another passphrase 4242"}
    )
    assert again.status_code == 404
    assert b"Forgot password" in again.content


def test_set_password_link_expires(client, owner, support, mailoutbox, settings):
    ticket = _verified_ticket(client, mailoutbox, "ruth", "ruth@new.example")
    vouch(ticket)
    committed(services.ticket_approve, ticket=ticket, staff=support, remedies=[], reason="ok")
    _pass_waiting_period(ticket)
    committed(process_recovery_tickets.delay)
    mail = [m for m in mailoutbox if "set your new password" in m.subject][0]
    TicketLink.objects.filter(purpose="set_password").update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = Client().post(
        link_in(mail, "password"),
        {"password1": "a new long passphrase 42", "password2": "a new long passphrase 42"},
    )
    assert response.status_code == 404
    assert b"expired" in response.content


def test_weak_password_is_refused_with_reason(client, owner, support, mailoutbox):
    ticket = _verified_ticket(client, mailoutbox, "ruth", "ruth@new.example")
    vouch(ticket)
    committed(services.ticket_approve, ticket=ticket, staff=support, remedies=[], reason="ok")
    _pass_waiting_period(ticket)
    committed(process_recovery_tickets.delay)
    mail = [m for m in mailoutbox if "set your new password" in m.subject][0]
    response = Client().post(
        link_in(mail, "password"), {"password1": "short", "password2": "short"}
    )
    assert response.status_code == 200
    assert b"too short" in response.content
    assert TicketLink.objects.get(purpose="set_password").used_at is None


def test_unverified_tickets_close_after_a_few_days(client, dag, mailoutbox):
    file_request(client, contact_email="slow@claim.example")
    Ticket.objects.update(created=timezone.now() - timedelta(days=4))
    result = committed(process_recovery_tickets.delay).get()
    assert result["expired"] == 1
    ticket = Ticket.objects.get()
    assert ticket.status == Ticket.Status.EXPIRED
    last = mails_to(mailoutbox, "slow@claim.example")[-1]
    assert ticket.reference in last.subject and "never confirmed" in last.body
    assert client.post(link_in(mailoutbox[0], "verify")).status_code == 404


def test_staff_are_reminded_of_waiting_tickets_once_per_period(db, dag, mailoutbox):
    support = make_support_staff(email="support@wharf.example")
    old = TicketFactory(account=dag)
    Ticket.objects.filter(pk=old.pk).update(updated=timezone.now() - timedelta(days=3))
    TicketFactory(account=dag)  # fresh: no reminder
    result = committed(process_recovery_tickets.delay).get()
    assert result["reminded"] == 1
    [mail] = mailoutbox
    assert support.email in mail.to
    assert old.reference in mail.body and f"/admin/recovery/ticket/{old.pk}/change/" in mail.body
    assert committed(process_recovery_tickets.delay).get()["reminded"] == 0
    assert old.events.filter(action="staff_reminded").count() == 1


def test_beat_schedule_runs_the_sweep():
    from config.celery import app

    entry = app.conf.beat_schedule["recovery-process-tickets"]
    assert entry["task"] == "recovery.tasks.process_recovery_tickets"
    assert entry["schedule"] <= 3600


def test_staff_can_reject_during_the_waiting_period(client, owner, support, mailoutbox):
    ticket = _verified_ticket(client, mailoutbox, "ruth", "ruth@new.example")
    vouch(ticket)
    committed(services.ticket_approve, ticket=ticket, staff=support, remedies=[], reason="ok")
    with pytest.raises(Conflict, match="only open tickets can be approved"):
        services.ticket_approve(ticket=ticket, staff=support, remedies=[], reason="twice")
    committed(services.ticket_reject, ticket=ticket, staff=support, reason="The owner wrote to us.")
    _pass_waiting_period(ticket)
    committed(process_recovery_tickets.delay)
    ticket.refresh_from_db()
    owner.refresh_from_db()
    assert ticket.status == Ticket.Status.REJECTED
    assert owner.check_password(PASSWORD)
    assert "The owner wrote to us." in mails_to(mailoutbox, "ruth@new.example")[-1].body
