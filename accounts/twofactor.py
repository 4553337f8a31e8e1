"""Whether an account has a second factor; the policies elsewhere ask only this."""

from __future__ import annotations

from django_otp import user_has_device

from .models import User


def user_has_two_factor(user: User) -> bool:
    """True when the account has at least one confirmed second factor."""
    return user_has_device(user, confirmed=True)


def used_factor(user: User) -> str | None:
    """The kind of second factor this session passed ("totp", "webauthn", "recovery_code")."""
    device = getattr(user, "otp_device", None)
    if device is None:
        return None
    return getattr(device, "factor_name", None) or (
        "totp" if device.__class__.__name__ == "TOTPDevice" else device.__class__.__name__.lower()
    )
