"""The periodic sweep through a real celery worker (runs when CELERY_BROKER_URL is set)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from recovery.models import Ticket
from recovery.tasks import process_recovery_tickets
from tests.factories import TicketFactory, UserFactory


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_sweep_completes_a_waited_out_ticket_in_the_worker(celery_worker, mailoutbox):
    user = UserFactory(verified=True)
    ticket = TicketFactory(
        account=user,
        contact_email="claimant@claim.example",
        status=Ticket.Status.APPROVED,
        approved_at=timezone.now() - timedelta(days=2),
        effective_at=timezone.now() - timedelta(minutes=5),
    )
    process_recovery_tickets.delay()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        ticket.refresh_from_db()
        sent = [m for m in mailoutbox if "set your new password" in m.subject]
        if ticket.status == Ticket.Status.COMPLETED and sent:
            break
        time.sleep(0.1)
    assert ticket.status == Ticket.Status.COMPLETED
    assert sent[0].to == ["claimant@claim.example"]
