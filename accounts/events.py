"""The account's security history: record_event() is the one way to add to it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest

from .models import AccountEvent, User
from .user_agents import describe_user_agent


def client_ip(request: HttpRequest | None) -> str | None:
    """The caller's address, as allauth's rate limits see it (TRUSTED_PROXY_COUNT aware)."""
    if request is None:
        return None
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter(request).get_client_ip(request) or None
    except (ImproperlyConfigured, PermissionDenied, ValueError):
        # A forwarded-for header shorter than the configured proxy chain: not trustworthy.
        return request.META.get("REMOTE_ADDR") or None


def client_user_agent(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return request.META.get("HTTP_USER_AGENT", "")[:500]


def record_event(
    *, user: User, tag: str, request: HttpRequest | None = None, **details: Any
) -> AccountEvent:
    """Record a security event, e.g. tag="account:login:success"."""
    return AccountEvent.objects.create(
        user=user,
        tag=tag,
        ip_address=client_ip(request),
        user_agent=client_user_agent(request),
        details=details,
    )


# --- The history in words -------------------------------------------------------------------

_FACTOR_WORDS = {
    "totp": "an authenticator app code",
    "webauthn": "a security key",
    "passkey": "a passkey",
    "recovery_code": "a recovery code",
}
_FACTOR_NOUNS = {
    "totp": "an authenticator app",
    "webauthn": "a security key",
    "passkey": "a passkey",
    "recovery_code": "recovery codes",
}


def _quoted(value: object) -> str:
    return f"‘{value}’"


def _scope(details: dict[str, Any]) -> str:
    projects = details.get("scope") or []
    if not projects:
        return "for all your projects"
    return "for " + ", ".join(str(p) for p in projects)


def _login(details: dict[str, Any]) -> str:
    if details.get("method") == "passkey":
        return "Signed in with a passkey"
    if details.get("method") == "signup":
        return "Signed in after creating the account"
    factor = details.get("factor")
    if factor in _FACTOR_WORDS:
        return f"Signed in with {_FACTOR_WORDS[factor]}"
    return "Signed in with a password"


def _second_factor(action: str, factor: str, details: dict[str, Any]) -> str:
    label = details.get("label")
    kind = "passkey" if details.get("passkey") else factor
    noun = {"totp": "the authenticator app", "webauthn": "the security key"}.get(
        kind, "the passkey"
    )
    named = f"{noun} {_quoted(label)}" if label and factor in ("webauthn", "passkey") else noun
    purpose = details.get("purpose")
    match action, factor:
        case "added", "recovery_code":
            return "Made new recovery codes"
        case "generated", _:
            return f"Made {details.get('count', 'new')} new recovery codes"
        case "added", _:
            return f"Added {named}"
        case "removed", _:
            left = "" if details.get("two_factor_left", True) else " (no second factor left)"
            return f"Removed {named}{left}"
        case "renamed", _:
            return f"Renamed the security key {_quoted(details.get('old'))} to {_quoted(label)}"
        case "used", "recovery_code":
            return "Used a recovery code" + (f" for {purpose}" if purpose else "")
        case "used", _:
            return f"Used {named}" + (f" for {purpose}" if purpose else "")
        case "counter_regression", _:
            return f"Refused {named}: its signature counter went backwards (possibly a copy)"
    return f"{action.replace('_', ' ').capitalize()} {_FACTOR_NOUNS.get(factor, factor)}"


_SIMPLE = {
    "account:login:failure": "Failed sign-in attempt (wrong password)",
    "account:account:created": "Created the account",
    "account:password:changed": "Changed the password",
    "account:password:set": "Set a password",
    "account:password:reset": "Reset the password from an emailed link",
    "account:recovery:requested": "Asked for account recovery",
    "account:recovery:cancelled": "Cancelled an account recovery request",
    "account:recovery:password_set": "Set a new password through account recovery",
    "account:recovery:approved": "Account recovery was approved by support staff",
    "account:recovery:completed": "Account recovery was completed",
    "account:session:ended": "Signed out another session",
    "account:session:others_ended": "Signed out all other sessions",
    "account:sessions:ended": "Signed out everywhere",
    "account:password:reset_link_sent": "Support staff sent a password reset link",
}


def describe_event(tag: str, details: object) -> str:
    """One history line as a sentence: "Signed in with a security key", never a raw tag."""
    details = details if isinstance(details, dict) else {}
    parts = tag.split(":")
    if tag in _SIMPLE:
        text = _SIMPLE[tag]
    elif tag == "account:login:success":
        text = _login(details)
    elif tag.startswith("account:email:"):
        email = details.get("email") or details.get("to_email") or "an address"
        text = {
            "added": f"Added the email address {email}",
            "removed": f"Removed the email address {email}",
            "verified": f"Verified the email address {email}",
            "primary_changed": f"Made {email} the primary email address",
        }.get(parts[-1], f"Changed the email address {email}")
    elif tag.startswith("account:2fa:") and len(parts) == 4:
        text = _second_factor(parts[3], parts[2], details)
    elif tag.startswith("account:token:"):
        name = _quoted(details.get("name", "?"))
        text = {
            "created": f"Created the API token {name} {_scope(details)}",
            "revoked": f"Revoked the API token {name}",
            "leaked": f"The API token {name} was found published"
            + (" and revoked" if details.get("revoked") else ""),
        }.get(parts[-1], f"Changed the API token {name}")
        if parts[-1] == "revoked" and details.get("reason"):
            text += f" ({details['reason']})"
    elif tag.startswith("account:access_token:"):
        text = {
            "created": "Created an API access token for scripts",
            "revoked": "Revoked an API access token",
        }.get(parts[-1], "Changed an API access token")
        if parts[-1] == "revoked" and details.get("reason"):
            text += f" ({details['reason']})"
    elif tag == "account:project:deleted":
        text = f"The project {details.get('project', '?')} was deleted" + (
            f" by {details['deleted_by']}" if details.get("deleted_by") else ""
        )
    else:
        words = " ".join(part.replace("_", " ") for part in parts[1:]) or tag
        text = words.capitalize()
    return text


def describe_place(ip_address: str | None, user_agent: str) -> str:
    """ "from 203.0.113.5 (Firefox on Linux)"; empty when neither is known."""
    device = describe_user_agent(user_agent) if user_agent else ""
    where = f"from {ip_address}" if ip_address else ""
    if where and device:
        return f"{where} ({device})"
    return where or (f"({device})" if device else "")
