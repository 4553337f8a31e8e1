"""Background work for the index: keeping the pre-rendered simple pages current."""

from __future__ import annotations

from celery import shared_task

from . import pages


@shared_task(autoretry_for=(Exception,), retry_backoff=2, retry_backoff_max=300, max_retries=8)
def write_simple_pages(normalized_name: str | None, index: bool = False) -> None:
    """Write (or remove) a project's simple pages, and the root's when index is True."""
    pages.write_started(normalized_name, index)
    pages.write_pages(normalized_name, index=index)
