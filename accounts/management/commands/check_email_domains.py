"""manage.py check_email_domains: what the daily task does, on demand."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from accounts.domains import email_domains_check


class Command(BaseCommand):
    help = "Mark addresses unverified whose email domain no longer exists (MX/A lookup)."

    def handle(self, *args, **options) -> None:
        result = email_domains_check()
        self.stdout.write(
            f"Checked {result['domains']} domains; {result['lapsed']} address(es) marked "
            "unverified because their domain lapsed."
        )
