"""The celery app and its one beat schedule."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("wharf")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic work; apps add their entries here so the whole schedule reads in one place.
app.conf.beat_schedule = {
    # Account recovery: expire unverified tickets, complete waited-out ones, remind staff.
    "recovery-process-tickets": {
        "task": "recovery.tasks.process_recovery_tickets",
        "schedule": 15 * 60,
    },
    # Addresses whose domain lapsed stop counting as verified (accounts.domains).
    "accounts-check-email-domains": {
        "task": "accounts.tasks.check_email_domains",
        "schedule": 24 * 60 * 60,
    },
    # Trusted publishing: forget lapsed pending publishers and exchanged JWT ids.
    "publishing-purge-expired": {
        "task": "publishing.tasks.purge_expired_publishing",
        "schedule": 60 * 60,
    },
}
