"""Second-factor use cases: each writes in one transaction, records an event, queues mail."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key
from fido2.webauthn import AttestedCredentialData

from core.errors import Conflict, WharfError

from ..emails import send_security_email
from ..events import client_ip, record_event
from ..models import RecoveryCode, RecoveryCodeDevice, User, WebAuthnDevice, hash_recovery_code
from ..sessions import sessions_end_others
from ..webauthn import Assertion, counter_regressed, credential_id_of
from . import user_has_two_factor

RECOVERY_CODE_COUNT = 8
FACTOR_LABELS = {
    "totp": "authenticator app",
    "webauthn": "security key",
    "passkey": "passkey",
    "recovery_code": "recovery code",
}
MAX_KEYS = 10


def _notify(user: User, request: HttpRequest | None, template: str, **context: object) -> None:
    send_security_email(user=user, template=template, context={"ip": client_ip(request), **context})


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCodeDevice.objects.filter(user=user).delete()
    device = RecoveryCodeDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(8)  # 64 random bits: a fast hash is enough
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, code_hash=hash_recovery_code(code)) for code in codes
    )
    return codes


def _factor_added(
    user: User, request: HttpRequest | None, factor: str, label: str
) -> list[str] | None:
    """Event + mail for a new factor; the first factor also gets a fresh set of codes."""
    record_event(user=user, tag=f"account:2fa:{factor}:added", request=request, label=label)
    _notify(user, request, "two_factor_added", factor=FACTOR_LABELS[factor], label=label)
    if RecoveryCodeDevice.objects.filter(user=user).exists():
        return None
    codes = _new_recovery_codes(user)
    record_event(
        user=user, tag="account:2fa:recovery_code:generated", request=request, count=len(codes)
    )
    return codes


def _factor_removed(user: User, request: HttpRequest | None, factor: str, label: str) -> None:
    two_factor_left = user_has_two_factor(user)
    if not two_factor_left:
        # Codes alone are not a second factor: without one, they have nothing to recover.
        RecoveryCodeDevice.objects.filter(user=user).delete()
    record_event(
        user=user,
        tag=f"account:2fa:{factor}:removed",
        request=request,
        label=label,
        two_factor_left=two_factor_left,
    )
    # Whoever removed it keeps this session; any other (perhaps the reason) is signed out.
    sessions_end_others(user=user, request=request, reason="second factor removed")
    _notify(
        user,
        request,
        "two_factor_removed",
        factor=FACTOR_LABELS[factor],
        label=label,
        two_factor_left=two_factor_left,
    )


def totp_secret_digest(device: TOTPDevice) -> str:
    """A digest of the device's secret, to remember which secret a session was shown."""
    return hashlib.sha256(device.key.encode()).hexdigest()


def totp_enroll(*, user: User, shown_before: str | None = None) -> TOTPDevice:
    """The unconfirmed authenticator-app device to show as a QR code.

    Its secret stays the same while the same session reloads the page (shown_before is the
    totp_secret_digest this session showed); any other session gets a new secret, so a
    secret seen in someone else's session can never become the account's second factor.
    """
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise Conflict(
            "An authenticator app is already set up: remove it first to set up another one."
        )
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    elif totp_secret_digest(device) != shown_before:
        device.key = default_key()
        device.save(update_fields=["key"])
    return device


@transaction.atomic
def totp_confirm(
    *, user: User, device: TOTPDevice, code: str, request: HttpRequest | None = None
) -> list[str] | None:
    """Confirm the app with a current code; returns new recovery codes for a first factor."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user, confirmed=False)
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == device.digits) or not device.verify_token(code):
        raise WharfError(
            "That code is not right: enter the 6-digit code your authenticator app shows now "
            "(check that your device's clock is correct)."
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return _factor_added(user, request, "totp", device.name)


@transaction.atomic
def totp_remove(*, user: User, request: HttpRequest | None = None) -> None:
    """Turn off the authenticator app."""
    devices = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    if not devices:
        raise WharfError("There is no authenticator app to remove.")
    TOTPDevice.objects.filter(user=user).delete()
    _factor_removed(user, request, "totp", devices[0].name)


def clean_label(label: str) -> str:
    label = " ".join(label.split())
    if not label or len(label) > 64:
        raise WharfError('Give the key a name of 1 to 64 characters, e.g. "Blue YubiKey".')
    return label


@transaction.atomic
def webauthn_register(
    *,
    user: User,
    label: str,
    credential: AttestedCredentialData,
    request: HttpRequest | None = None,
    passkey: bool = False,
) -> tuple[WebAuthnDevice, list[str] | None]:
    """Save a verified new key or passkey; returns it and new recovery codes for a first factor."""
    label = clean_label(label)
    if WebAuthnDevice.objects.filter(user=user).count() >= MAX_KEYS:
        raise WharfError(f"An account can have {MAX_KEYS} security keys: remove one first.")
    credential_id = credential_id_of(credential)
    if WebAuthnDevice.objects.filter(credential_id=credential_id).exists():
        raise Conflict("This security key is already registered.")
    device = WebAuthnDevice.objects.create(
        user=user,
        name=label,
        confirmed=True,
        credential_id=credential_id,
        credential_data=bytes(credential),
        passkey=passkey,
    )
    return device, _factor_added(user, request, "passkey" if passkey else "webauthn", label)


@transaction.atomic
def webauthn_rename(
    *, user: User, device: WebAuthnDevice, label: str, request: HttpRequest | None = None
) -> None:
    """Give a key a new name."""
    label = clean_label(label)
    old = device.name
    WebAuthnDevice.objects.filter(pk=device.pk, user=user).update(name=label)
    record_event(
        user=user, tag="account:2fa:webauthn:renamed", request=request, label=label, old=old
    )


@transaction.atomic
def webauthn_remove(
    *, user: User, device: WebAuthnDevice, request: HttpRequest | None = None
) -> None:
    """Remove a security key."""
    WebAuthnDevice.objects.filter(pk=device.pk, user=user).delete()
    _factor_removed(user, request, "webauthn", device.name)


@transaction.atomic
def _store_counter(*, assertion: Assertion) -> None:
    # Raising rolls this transaction back; the refusal is recorded in a transaction of its own.
    device = WebAuthnDevice.objects.select_for_update().get(pk=assertion.device.pk)
    if counter_regressed(device, assertion.counter):
        raise _CounterRegression(device, assertion.counter)
    device.sign_count = assertion.counter
    device.set_last_used_timestamp(commit=False)
    device.save(update_fields=["sign_count", "last_used_at"])


class _CounterRegression(WharfError):
    def __init__(self, device: WebAuthnDevice, counter: int) -> None:
        super().__init__(
            "This security key's signature counter went backwards, which can mean the key was "
            "copied. It was refused: sign in with another method and check your keys."
        )
        self.device = device
        self.counter = counter


@transaction.atomic
def _counter_regression(*, error: _CounterRegression, request: HttpRequest | None) -> None:
    device = error.device
    record_event(
        user=device.user,
        tag="account:2fa:webauthn:counter_regression",
        request=request,
        label=device.name,
        stored=device.sign_count,
        received=error.counter,
    )
    _notify(device.user, request, "webauthn_counter_regression", label=device.name)


def webauthn_accept(*, assertion: Assertion, request: HttpRequest | None = None) -> None:
    """Accept a verified assertion if the key's counter grew; else record a possible clone."""
    try:
        _store_counter(assertion=assertion)
    except _CounterRegression as error:
        _counter_regression(error=error, request=request)
        raise


@transaction.atomic
def recovery_codes_generate(*, user: User, request: HttpRequest | None = None) -> list[str]:
    """Replace the account's recovery codes with 8 new ones (returned once, stored hashed)."""
    if not user_has_two_factor(user):
        raise WharfError(
            "Recovery codes come with two-factor authentication: add an authenticator app "
            "or a security key first."
        )
    codes = _new_recovery_codes(user)
    record_event(
        user=user, tag="account:2fa:recovery_code:generated", request=request, count=len(codes)
    )
    _notify(user, request, "recovery_codes_generated", count=len(codes))
    return codes


@transaction.atomic
def second_factor_used(
    *, user: User, factor: str, label: str, purpose: str, request: HttpRequest | None = None
) -> None:
    """Record a passed second factor (sign-in or re-authentication); a recovery code is mailed.

    Routine use of an app or key is not mailed (it was, seven times in fifteen minutes): a
    sign-in from a new device is, by accounts.sessions.
    """
    record_event(
        user=user, tag=f"account:2fa:{factor}:used", request=request, label=label, purpose=purpose
    )
    if factor == "recovery_code":
        device = RecoveryCodeDevice.objects.filter(user=user).first()
        remaining = device.remaining if device else 0
        _notify(user, request, "recovery_code_used", remaining=remaining, purpose=purpose)
