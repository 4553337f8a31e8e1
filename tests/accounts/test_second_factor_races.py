"""Two requests carrying the same second-factor code at once: only one may pass.

The race needs real row locks, so it runs on PostgreSQL (the CI's second pass): a first
request holds the device row, having accepted the code but not yet committed; a second
request with the same code starts meanwhile and must wait for it, then see the code used.
"""

from __future__ import annotations

import threading
import time

import pyotp
import pytest
from django.db import connection, connections, transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import RecoveryCodeDevice
from accounts.twofactor.services import recovery_codes_generate
from accounts.twofactor.verification import verify_code
from tests.factories import TOTPDeviceFactory, UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI's second pass)"
    ),
]


def race(user, method: str, code: str, first_request) -> object:
    """Run verify_code in a thread while first_request's transaction is still open."""
    result: dict[str, object] = {}

    def second_request() -> None:
        try:
            result["device"] = verify_code(user, method, code)
        finally:
            connections.close_all()

    with transaction.atomic():
        first_request()
        thread = threading.Thread(target=second_request)
        thread.start()
        time.sleep(0.5)  # without a lock, the second request is done by now
    thread.join(timeout=10)
    return result.get("device", "still waiting")


def test_the_same_totp_code_cannot_pass_twice_at_once():
    user = UserFactory(verified=True)
    TOTPDeviceFactory(user=user)
    code = pyotp.parse_uri(TOTPDevice.objects.get(user=user).config_url).now()

    def first_request() -> None:
        device = TOTPDevice.objects.select_for_update().get(user=user)
        assert device.verify_token(code)

    assert race(user, "totp", code, first_request) is None


def test_the_same_recovery_code_cannot_pass_twice_at_once():
    user = UserFactory(verified=True)
    TOTPDeviceFactory(user=user)
    [code, *_] = recovery_codes_generate(user=user)

    def first_request() -> None:
        device = RecoveryCodeDevice.objects.select_for_update().get(user=user)
        assert device.verify_token(code)

    assert race(user, "recovery_code", code, first_request) is None
