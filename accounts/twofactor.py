"""Whether an account has a second factor; the policies elsewhere ask only this.

Also the per-account limit on second-factor attempts shared by the sign-in step and
re-authentication. The sign-in step itself is accounts.stages.TwoFactorStage.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import RecoveryCodeDevice, User, WebAuthnDevice

# Second-step attempts per account: 5 failures in 5 minutes, then wait (django-otp also
# throttles each TOTP device and the recovery codes after every failure).
ATTEMPT_LIMIT = 5
ATTEMPT_WINDOW = 300
TOO_MANY_ATTEMPTS = (
    "Too many wrong second-factor attempts: wait five minutes and try again, "
    "or use a recovery code later."
)


def user_has_two_factor(user: User) -> bool:
    """True when the account has a confirmed TOTP app or security key (not just codes)."""
    if not getattr(user, "pk", None):
        return False
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or WebAuthnDevice.objects.filter(user=user, confirmed=True).exists()
    )


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


def _attempts_key(user: User) -> str:
    return f"2fa-attempts:{user.pk}"


def attempts_exhausted(user: User) -> bool:
    return cache.get(_attempts_key(user), 0) >= ATTEMPT_LIMIT


def count_failed_attempt(user: User) -> None:
    key = _attempts_key(user)
    cache.add(key, 0, ATTEMPT_WINDOW)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, ATTEMPT_WINDOW)


def verify_code(user: User, method: str, code: str) -> TOTPDevice | RecoveryCodeDevice | None:
    """The device that accepts this authenticator or recovery code, or None."""
    code = "".join(code.split())
    if method == "totp":
        device = totp_device(user)
    elif method == "recovery_code":
        device = recovery_device(user)
    else:
        return None
    if device is None or not code or len(code) > 40:
        return None
    with transaction.atomic():
        # Locked: two requests with the same code (or recovery code) must not both pass.
        device = type(device).objects.select_for_update().get(pk=device.pk)
        return device if device.verify_token(code) else None
