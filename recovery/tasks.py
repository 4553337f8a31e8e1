"""Periodic recovery work; every task is safe to re-run."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def process_recovery_tickets() -> dict[str, int]:
    """Close unverified tickets, complete approved ones whose waiting ended, remind staff."""
    return services.tickets_process_due()


@shared_task
def complete_recovery_ticket(ticket_id: int) -> None:
    """Apply one approved ticket's remedies if its waiting period has passed."""
    services.ticket_complete(ticket_id=ticket_id)
