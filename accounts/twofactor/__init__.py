"""Two-factor authentication: the policy questions every other module asks.

- `verification` — the one place a typed code is checked and failed attempts are counted
  (sign-in step, re-authentication, the API's X-OTP header);
- `services` — adding and removing factors, recovery codes (one transaction, event, mail);
- `views`, `forms`, `urls` — the pages. The sign-in step itself is accounts.stages.
"""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from ..models import RecoveryCodeDevice, User


def user_has_two_factor(user: User) -> bool:
    """True when the account has a confirmed TOTP app or security key (not just codes)."""
    return bool(getattr(user, "pk", None)) and user.has_two_factor


def used_factor(user: User) -> str | None:
    """The kind of second factor this session passed ("totp", "webauthn", "recovery_code")."""
    device = getattr(user, "otp_device", None)
    if device is None:
        return None
    return getattr(device, "factor_name", None) or (
        "totp" if device.__class__.__name__ == "TOTPDevice" else device.__class__.__name__.lower()
    )


def totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def recovery_device(user: User) -> RecoveryCodeDevice | None:
    return RecoveryCodeDevice.objects.filter(user=user, confirmed=True).first()
