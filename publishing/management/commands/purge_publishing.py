from __future__ import annotations

from django.core.management.base import BaseCommand

from publishing.services import purge_expired


class Command(BaseCommand):
    help = "Delete pending trusted publishers past 30 days and exchanged JWT ids past expiry."

    def handle(self, *args, **options) -> None:
        pending, used = purge_expired()
        self.stdout.write(f"Deleted {pending} expired pending publishers and {used} old JWT ids.")
