"""One function per token message; all go through accounts.emails."""

from __future__ import annotations

from accounts.emails import send_security_email
from core.urls import absolute_url
from organizations import emails as organization_emails

from .models import Token


def _context(token: Token) -> dict:
    return {"token": token, "tokens_url": absolute_url("tokens:list")}


def _organization_summary(token: Token, summary: str) -> None:
    """An organization token's news goes to the organization's Owners."""
    organization_emails.send_owners_email(
        token.organization, f'organization token "{token.name}" {summary}'
    )


def send_token_created_email(*, token: Token) -> None:
    if token.is_organization_token:
        creator = token.created_by.username if token.created_by else "someone"
        _organization_summary(token, f"(scope: {token.scope_label}) was created by {creator}.")
        return
    send_security_email(user=token.user, template="token_created", context=_context(token))


def send_token_revoked_email(*, token: Token) -> None:
    if token.is_organization_token:
        _organization_summary(token, f"was revoked ({token.revoked_reason}).")
        return
    send_security_email(user=token.user, template="token_revoked", context=_context(token))


def send_token_leaked_email(*, token: Token, url: str, source: str) -> None:
    if token.is_organization_token:
        _organization_summary(
            token,
            f"was found in public ({url or 'no address given'}, reported by "
            f"{source or 'an unknown source'}) and revoked: remove it from there and create "
            "a new one.",
        )
        return
    send_security_email(
        user=token.user,
        template="token_leaked",
        context={**_context(token), "url": url, "source": source},
    )
