"""Completing a recovery whose contact address meanwhile became another account's."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from recovery import services
from recovery.models import Ticket
from tests.factories import EmailAddressFactory, TicketFactory, UserFactory
from tests.recovery.helpers import vouch

pytestmark = pytest.mark.django_db


def approved(ticket: Ticket, staff) -> Ticket:
    vouch(ticket)
    services.ticket_approve(
        ticket=ticket, staff=staff, remedies=["set_contact_email"], reason="evidence ok"
    )
    Ticket.objects.filter(pk=ticket.pk).update(
        effective_at=timezone.now() - dt.timedelta(minutes=1)
    )
    return ticket


def test_contact_verified_elsewhere_does_not_stop_the_sweep(
    support, mailoutbox, django_capture_on_commit_callbacks
):
    account = UserFactory(verified=True)
    ticket = approved(TicketFactory(account=account, contact_email="dag@new.example"), support)
    # While waiting, the claimant signed up again with the same address and verified it.
    new_account = UserFactory(verified=True)
    EmailAddressFactory(user=new_account, email="dag@new.example", verified=True)
    other = approved(TicketFactory(account=UserFactory(verified=True)), support)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.tickets_process_due()["completed"] == 2

    ticket.refresh_from_db()
    other.refresh_from_db()
    assert ticket.status == other.status == Ticket.Status.COMPLETED
    assert EmailAddress.objects.get(email="dag@new.example").user == new_account
    assert (
        "verified on another account"
        in ticket.events.get(action="completed").details["primary_email_skipped"]
    )
    [link_mail] = [m for m in mailoutbox if m.to == ["dag@new.example"] and "password" in m.body]
    assert "is now the account's primary address" not in link_mail.body
