"""Whether an account has a second factor; the policies elsewhere ask only this.

Also the per-account limit on second-factor attempts shared by the sign-in step and
re-authentication. The sign-in step itself is accounts.stages.TwoFactorStage.
"""

from __future__ import annotations

import re
import time

from django.db import transaction
from django.http import HttpRequest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import limits
from core.errors import RateLimited, Unauthenticated

from .models import RecoveryCodeDevice, User

# Second-step attempts per account: settings.RATE_LIMITS["second_factor_account"] (django-otp
# also throttles each TOTP device and the recovery codes after every failure).
TOO_MANY_ATTEMPTS = (
    "Too many wrong second-factor attempts: wait five minutes and try again, "
    "or use a recovery code later."
)


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


def _attempts_key(user: User) -> str:
    return f"account:{user.pk}"


def attempts_retry_after(user: User) -> int | None:
    """Seconds to wait when the account used up its second-factor attempts, else None."""
    try:
        limits.check("second_factor_account", _attempts_key(user), message=TOO_MANY_ATTEMPTS)
    except RateLimited as error:
        return error.retry_after
    return None


def attempts_exhausted(user: User) -> bool:
    return attempts_retry_after(user) is not None


def count_failed_attempt(user: User) -> None:
    limits.hit("second_factor_account", _attempts_key(user))


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


TOTP_SHAPE = re.compile(r"\d{6,8}")
RECOVERY_CODE_SHAPE = re.compile(r"[0-9a-fA-F]{4}(-?[0-9a-fA-F]{4}){3}")


def code_kind(code: str) -> str | None:
    """What a typed code looks like: "totp" (6-8 digits), "recovery_code" or None."""
    code = "".join(code.split())
    if TOTP_SHAPE.fullmatch(code):
        return "totp"
    if RECOVERY_CODE_SHAPE.fullmatch(code):
        return "recovery_code"
    return None


def totp_code_was_used(device: TOTPDevice, code: str) -> bool:
    """True when code is this app's code for a time step already used (a replay)."""
    if not code.isdigit() or device.last_t < 0:
        return False
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    for offset in range(-device.tolerance, device.tolerance + 1):
        totp.drift = device.drift + offset
        if totp.t() <= device.last_t and totp.token() == int(code):
            return True
    return False


def verify_api_code(user: User, code: str, *, request: HttpRequest | None = None) -> TOTPDevice:
    """The app that accepts the X-OTP code, or Unauthenticated saying what was wrong."""
    code = "".join((code or "").split())
    device = totp_device(user)
    if device is None:
        raise Unauthenticated(
            "this account uses security keys only, which an X-OTP header cannot carry: add an "
            "authenticator app to the account to call the API from scripts, or use the API "
            "from a signed-in browser."
        )
    if not code:
        raise Unauthenticated(
            "this account has two-factor authentication: send a current code from your "
            "authenticator app in the X-OTP header."
        )
    limits.check("second_factor_account", _attempts_key(user), message=TOO_MANY_ATTEMPTS)
    kind = code_kind(code)
    if kind == "recovery_code":
        count_failed_attempt(user)
        raise Unauthenticated(
            "the X-OTP code is a recovery code: X-OTP takes the 6-digit code from your "
            "authenticator app (recovery codes are for signing in on the website)."
        )
    verified = verify_code(user, "totp", code) if kind == "totp" else None
    if verified is not None:
        return verified
    count_failed_attempt(user)
    if totp_code_was_used(device, code):
        raise Unauthenticated(
            "the X-OTP code was already used: each code works once; wait for the next one, or "
            "get an API access token (POST /api/v1/auth/session-token/) for many calls."
        )
    raise Unauthenticated(
        "the X-OTP code is wrong or expired: send the current code from your authenticator app "
        "(check that your device's clock is correct)."
    )
