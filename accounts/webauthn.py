"""A small wrapper around fido2: ceremonies for security keys, state kept in the session.

The relying party is the site itself: RP ID is SITE_HOST and the only accepted origin is
SITE_URL (never the Host header). Challenges live in the session with a timestamp and are
popped on use, so each is single-use and short-lived. fido2 does not check the signature
counter; complete_authentication() does.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from fido2.server import Fido2Server
from fido2.utils import websafe_encode
from fido2.webauthn import (
    AttestedCredentialData,
    AuthenticationResponse,
    PublicKeyCredentialRpEntity,
    PublicKeyCredentialUserEntity,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from core.errors import WharfError

from .models import User, WebAuthnDevice

# Browsers give the user about a minute; a challenge older than this is refused.
CHALLENGE_MAX_AGE = 180
_SESSION_KEY = "webauthn_state"


class WebAuthnError(WharfError):
    """A ceremony that cannot be accepted (400), with a message saying what to do."""


@dataclass(frozen=True)
class Assertion:
    """A verified authentication: the key that signed and the counter it reported."""

    device: WebAuthnDevice
    counter: int


def _server() -> Fido2Server:
    return Fido2Server(
        PublicKeyCredentialRpEntity(id=settings.SITE_HOST, name="Wharf"),
        attestation="none",
        verify_origin=lambda origin: origin == settings.SITE_URL,
    )


# Scripts have no session: their pending challenge waits in the cache, one per account.
API_PURPOSE = "api"


def _api_key(user: User) -> str:
    return f"webauthn-api-state:{user.pk}"


def _stash(
    request: HttpRequest | None, purpose: str, state: dict[str, Any], user: User | None = None
) -> None:
    value = {"purpose": purpose, "state": state, "at": time.time()}
    if purpose == API_PURPOSE and user is not None:
        cache.set(_api_key(user), value, CHALLENGE_MAX_AGE)
    else:
        request.session[_SESSION_KEY] = value


def _check_shape(response: Any) -> None:
    if not isinstance(response, dict):
        raise WebAuthnError(
            "No security key response was sent: start again from the page's button."
        )


def _pop(request: HttpRequest | None, purpose: str, user: User | None = None) -> dict[str, Any]:
    if purpose == API_PURPOSE and user is not None:
        stashed = cache.get(_api_key(user))
        cache.delete(_api_key(user))
    else:
        stashed = request.session.pop(_SESSION_KEY, None)
    if not stashed or stashed.get("purpose") != purpose:
        raise WebAuthnError(
            "No security key request is pending: start again from the page's button."
        )
    if time.time() - stashed["at"] > CHALLENGE_MAX_AGE:
        raise WebAuthnError("The security key request expired: start again and touch your key.")
    return stashed["state"]


def credential(device: WebAuthnDevice) -> AttestedCredentialData:
    return AttestedCredentialData(bytes(device.credential_data))


def begin_registration(
    request: HttpRequest, user: User, *, passkey: bool = False
) -> dict[str, Any]:
    """Options for navigator.credentials.create(); existing keys are excluded.

    A passkey must be discoverable (stored on the authenticator, found without a username)
    and verify its user (PIN, fingerprint), which fido2 then checks on completion.
    """
    existing = [credential(d) for d in WebAuthnDevice.objects.filter(user=user)]
    required = ResidentKeyRequirement.REQUIRED if passkey else ResidentKeyRequirement.DISCOURAGED
    verification = (
        UserVerificationRequirement.REQUIRED if passkey else UserVerificationRequirement.DISCOURAGED
    )
    options, state = _server().register_begin(
        PublicKeyCredentialUserEntity(
            id=str(user.pk).encode(), name=user.username, display_name=user.username
        ),
        existing,
        resident_key_requirement=required,
        user_verification=verification,
    )
    _stash(request, "register-passkey" if passkey else "register", state)
    return dict(options)


def complete_registration(
    request: HttpRequest, response: Any, *, passkey: bool = False
) -> AttestedCredentialData:
    """Verify the browser's credential.toJSON() from create(); returns the new credential."""
    state = _pop(request, "register-passkey" if passkey else "register")
    _check_shape(response)
    try:
        auth_data = _server().register_complete(state, response)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise WebAuthnError(f"The security key was not accepted ({error}). Try again.") from error
    assert auth_data.credential_data is not None  # noqa: S101 (registration always has it)
    return auth_data.credential_data


def begin_authentication(request: HttpRequest, user: User, purpose: str) -> dict[str, Any]:
    """Options for navigator.credentials.get() offering the user's keys."""
    keys = [credential(d) for d in WebAuthnDevice.objects.filter(user=user, confirmed=True)]
    if not keys:
        raise WebAuthnError("This account has no security key: use another method.")
    options, state = _server().authenticate_begin(
        keys, user_verification=UserVerificationRequirement.DISCOURAGED
    )
    _stash(request, purpose, state, user)
    return dict(options)


def complete_authentication(
    request: HttpRequest, user: User, purpose: str, response: Any
) -> Assertion:
    """Verify the browser's credential.toJSON() from get() against the user's keys."""
    state = _pop(request, purpose, user)
    _check_shape(response)
    devices = {d.credential_id: d for d in WebAuthnDevice.objects.filter(user=user, confirmed=True)}
    try:
        _server().authenticate_complete(state, [credential(d) for d in devices.values()], response)
        parsed = AuthenticationResponse.from_dict(response)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise WebAuthnError(
            f"The security key was not accepted ({error}). Try again or use another method."
        ) from error
    device = devices[websafe_encode(parsed.raw_id)]
    return Assertion(device=device, counter=parsed.response.authenticator_data.counter)


def begin_passkey_authentication(request: HttpRequest) -> dict[str, Any]:
    """Options for get() with no username: the authenticator offers its passkeys for the site."""
    options, state = _server().authenticate_begin(
        None, user_verification=UserVerificationRequirement.REQUIRED
    )
    _stash(request, "passkey", state)
    return dict(options)


def complete_passkey_authentication(request: HttpRequest, response: Any) -> Assertion:
    """Verify a passkey assertion (user verified) and find whose passkey signed it."""
    state = _pop(request, "passkey")
    _check_shape(response)
    try:
        parsed = AuthenticationResponse.from_dict(response)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise WebAuthnError(f"The passkey answer was not readable ({error}). Try again.") from error
    device = (
        WebAuthnDevice.objects.filter(
            credential_id=websafe_encode(parsed.raw_id), passkey=True, confirmed=True
        )
        .select_related("user")
        .first()
    )
    if device is None or not device.user.is_active:
        raise WebAuthnError(
            "This passkey is not registered here: sign in with your username and password, "
            "then add the passkey on your two-factor page."
        )
    handle = parsed.response.user_handle
    if handle is not None and handle != str(device.user_id).encode():
        raise WebAuthnError("This passkey belongs to another account. Try another passkey.")
    try:
        _server().authenticate_complete(state, [credential(device)], response)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise WebAuthnError(
            f"The passkey was not accepted ({error}). Try again or sign in with your password."
        ) from error
    return Assertion(device=device, counter=parsed.response.authenticator_data.counter)


def counter_regressed(device: WebAuthnDevice, counter: int) -> bool:
    """True when a counting key reports a counter that did not increase: possibly a clone."""
    if counter == 0 and device.sign_count == 0:
        return False  # keys that do not count (many passkeys) always report zero
    return counter <= device.sign_count


def credential_id_of(data: AttestedCredentialData) -> str:
    return websafe_encode(data.credential_id)
