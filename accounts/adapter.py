"""allauth policy in one place: mail goes through celery, notifications to verified addresses."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from .emails import queue_email


class AccountAdapter(DefaultAccountAdapter):
    def get_login_stages(self) -> list[str]:
        """allauth's stages, then our second factor (accounts.stages.TwoFactorStage)."""
        return [*super().get_login_stages(), "accounts.stages.TwoFactorStage"]

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        message = self.render_mail(template_prefix, email, context)
        html = None
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                html = content
        queue_email(to=list(message.to), subject=message.subject, body=message.body, html=html)

    def send_notification_mail(
        self, template_prefix: str, user: Any, context: dict[str, Any] | None = None, email=None
    ) -> None:
        """Security notifications go to every verified address of the account."""
        from django.conf import settings

        if not settings.ACCOUNT_EMAIL_NOTIFICATIONS:
            return
        ctx = {"user": user, **self.get_notification_context(user), **(context or {})}
        for address in [email] if email else user.verified_emails:
            self.send_mail(template_prefix, address, ctx)

    def get_notification_context(self, user: Any) -> dict[str, Any]:
        request: HttpRequest | None = getattr(self, "request", None)
        from .events import client_ip, client_user_agent

        return {"ip": client_ip(request), "user_agent": client_user_agent(request)}
