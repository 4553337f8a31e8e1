"""`python manage.py rebuild_simple_pages`: write every simple page anew (e.g. after an import)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from packages.pages import rebuild_all


class Command(BaseCommand):
    help = "Render every project's simple pages (HTML and JSON) and the /simple/ root into storage."

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        count = rebuild_all()
        self.stdout.write(
            f"Wrote the simple pages of {count} projects and the /simple/ root "
            f"in {time.monotonic() - started:.1f} s."
        )
