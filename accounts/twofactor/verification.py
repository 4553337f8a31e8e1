"""The one place a typed second-factor code is checked and failed attempts are counted.

A code's kind is recognised by its shape (6-8 digits: the authenticator app; four groups of
four hex digits: a recovery code), so one box takes either. A wrong code, a code of the
wrong kind and a replayed code each count once against the account's second-factor limit
(settings.RATE_LIMITS["second_factor_account"]) and each gets its own message. django-otp
also throttles each device after a failure.
"""

from __future__ import annotations

import re
import time

from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import limits
from core.errors import RateLimited, Unauthenticated, WharfError

from ..models import RecoveryCodeDevice, User
from . import recovery_device, totp_device

TOO_MANY_ATTEMPTS = (
    "Too many wrong second-factor attempts: wait five minutes and try again, "
    "or use a recovery code later."
)


def _attempts_key(user: User) -> str:
    return f"account:{user.pk}"


def attempts_retry_after(user: User) -> int | None:
    """Seconds to wait when the account used up its second-factor attempts, else None."""
    try:
        limits.check("second_factor_account", _attempts_key(user), message=TOO_MANY_ATTEMPTS)
    except RateLimited as error:
        return error.retry_after
    return None


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


class CodeRefused(WharfError):
    """A second-factor code that was not accepted; `reason` says which way it failed."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


WRONG_CODE = (
    "That code was not accepted: enter the current code from your authenticator app, or an "
    "unused recovery code (after a wrong code, wait a few seconds before trying again)."
)
MESSAGES = {
    "missing": (
        "No code was entered: enter the current code from your authenticator app, or an "
        "unused recovery code."
    ),
    "shape": (
        "That is not a code Wharf gives out: enter the 6-digit code your authenticator app "
        "shows, or a recovery code like 1a2b-3c4d-5e6f-7a8b."
    ),
    "no_app": ("This account has no authenticator app: use your security key, or a recovery code."),
    "recovery_not_here": (
        "That is a recovery code: here, enter the 6-digit code from your authenticator app "
        "(recovery codes are for signing in on the website)."
    ),
    "reused": (
        "That code was already used: each code works once. Wait for your app's next code and "
        "enter that one."
    ),
    "wrong": WRONG_CODE,
}


def check_code(
    user: User, code: str, *, allow_recovery_code: bool = True
) -> TOTPDevice | RecoveryCodeDevice:
    """The device that accepts this typed code, or CodeRefused / RateLimited saying why.

    Every refusal counts one failed attempt for the account.
    """
    limits.check("second_factor_account", _attempts_key(user), message=TOO_MANY_ATTEMPTS)
    code = "".join((code or "").split())
    kind = code_kind(code)
    reason = ""
    if not code:
        reason = "missing"
    elif kind is None:
        reason = "shape"
    elif kind == "recovery_code" and not allow_recovery_code:
        reason = "recovery_not_here"
    elif kind == "totp" and totp_device(user) is None:
        reason = "no_app"
    else:
        device = verify_code(user, kind, code)
        if device is not None:
            return device
        app = totp_device(user)
        reason = "reused" if kind == "totp" and app and totp_code_was_used(app, code) else "wrong"
    count_failed_attempt(user)
    raise CodeRefused(MESSAGES[reason], reason=reason)


API_MESSAGES = {  # X-OTP refusals (401)
    "missing": (
        "this account has two-factor authentication: send a current code from your "
        "authenticator app in the X-OTP header."
    ),
    "no_app": (
        "this account uses security keys only, which an X-OTP header cannot carry: get an "
        "API access token with a key (POST /api/v1/auth/session-token/webauthn/begin/, then "
        "POST /api/v1/auth/session-token/ with the assertion) and call with it as Bearer."
    ),
    "recovery_not_here": (
        "the X-OTP code is a recovery code: X-OTP takes the 6-digit code from your "
        "authenticator app (recovery codes are for signing in on the website)."
    ),
    "reused": (
        "the X-OTP code was already used: each code works once; wait for the next one, or "
        "get an API access token (POST /api/v1/auth/session-token/) for many calls."
    ),
    "shape": ("the X-OTP code is not an authenticator code: send the 6 digits your app shows now."),
    "wrong": (
        "the X-OTP code is wrong or expired: send the current code from your authenticator app "
        "(check that your device's clock is correct)."
    ),
}


def verify_api_code(user: User, code: str) -> TOTPDevice:
    """The app that accepts an X-OTP code, or Unauthenticated (401) saying what was wrong."""
    if totp_device(user) is None:
        raise Unauthenticated(API_MESSAGES["no_app"])
    if not "".join((code or "").split()):
        raise Unauthenticated(API_MESSAGES["missing"])
    try:
        return check_code(user, code, allow_recovery_code=False)  # type: ignore[return-value]
    except CodeRefused as error:
        raise Unauthenticated(API_MESSAGES[error.reason]) from error
