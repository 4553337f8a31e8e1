from __future__ import annotations

import base64

import pyotp
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD


def basic(username: str, password: str = PASSWORD, otp: str | None = None) -> dict[str, str]:
    """Test-client headers for HTTP Basic (and X-OTP)."""
    headers = {
        "HTTP_AUTHORIZATION": "Basic "
        + base64.b64encode(f"{username}:{password}".encode()).decode()
    }
    if otp is not None:
        headers["HTTP_X_OTP"] = otp
    return headers


def current_code(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return pyotp.parse_uri(device.config_url).now()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings) -> None:
    """Each Basic call checks a password: a fast hasher keeps API tests quick (not a test of it)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
