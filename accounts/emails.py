"""Mail: templates under templates/emails/<name>/, delivered by a celery task after commit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

from .models import User
from .tasks import deliver_email


def queue_email(*, to: list[str], subject: str, body: str, html: str | None = None) -> None:
    """Hand a rendered message to the mail task once the current transaction commits."""
    if not to:
        return
    transaction.on_commit(lambda: deliver_email.delay(list(to), subject, body, html))


def send_templated_email(*, to: list[str], template: str, context: dict[str, Any]) -> None:
    """Render templates/emails/<template>/{subject.txt,body.txt[,body.html]} and queue it."""
    context = {"SITE_URL": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/{template}/subject.txt", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    body = render_to_string(f"emails/{template}/body.txt", context)
    try:
        html = render_to_string(f"emails/{template}/body.html", context)
    except TemplateDoesNotExist:
        html = None
    queue_email(to=to, subject=subject, body=body, html=html)


def send_security_email(*, user: User, template: str, context: dict[str, Any]) -> None:
    """Tell the account's owner about a security change, at every verified address."""
    send_templated_email(
        to=user.verified_emails, template=template, context={"user": user, **context}
    )
