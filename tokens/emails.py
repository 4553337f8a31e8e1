"""One function per token message; all go through accounts.emails."""

from __future__ import annotations

from accounts.emails import send_security_email
from core.urls import absolute_url

from .models import Token


def _context(token: Token) -> dict:
    return {"token": token, "tokens_url": absolute_url("tokens:list")}


def send_token_created_email(*, token: Token) -> None:
    send_security_email(user=token.user, template="token_created", context=_context(token))


def send_token_revoked_email(*, token: Token) -> None:
    send_security_email(user=token.user, template="token_revoked", context=_context(token))


def send_token_leaked_email(*, token: Token, url: str, source: str) -> None:
    send_security_email(
        user=token.user,
        template="token_leaked",
        context={**_context(token), "url": url, "source": source},
    )
