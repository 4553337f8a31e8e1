"""Periodic recovery work; every task is safe to re-run."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def process_recovery_tickets() -> dict[str, int]:
    """Close unverified tickets, complete approved ones whose waiting ended, remind staff."""
    return services.tickets_process_due()
