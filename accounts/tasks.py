from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

logger = logging.getLogger(__name__)


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def deliver_email(self, to: list[str], subject: str, body: str, html: str | None = None) -> None:
    """Send one rendered message (every email of the site goes out through this task).

    A mail server that is down (smtplib's errors are OSErrors) makes the worker retry with
    backoff. Run in-process (no broker) there is nobody to retry: the failure is logged, never
    raised into the request, so a page answers the same whether or not it sent mail.
    """
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, to)
    if html:
        message.attach_alternative(html, "text/html")
    try:
        message.send()
    except OSError:
        if not self.request.is_eager:
            raise
        logger.exception(
            "mail %r to %d recipient(s) could not be sent and is lost: the mail server failed "
            "and tasks run in-process (set CELERY_BROKER_URL so a worker retries)",
            subject,
            len(to),
        )


@shared_task
def check_email_domains() -> dict[str, int]:
    """Unverify addresses whose domain lapsed (accounts.domains); safe to re-run."""
    from .domains import email_domains_check

    return email_domains_check()
