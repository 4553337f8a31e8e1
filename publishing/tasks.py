from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def purge_expired_publishing() -> tuple[int, int]:
    """Forget lapsed pending publishers and exchanged JWT ids past their expiry."""
    return services.purge_expired()
