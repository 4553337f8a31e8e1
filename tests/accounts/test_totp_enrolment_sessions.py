"""A TOTP secret shown in one session never becomes the secret another session confirms."""

from __future__ import annotations

import pyotp
import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import mark_reauthenticated

pytestmark = pytest.mark.django_db

SETUP = "/manage/account/two-factor/totp/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return mark_reauthenticated(client)


def shown_secret(client, user) -> str:
    client.get(SETUP)
    return pyotp.parse_uri(TOTPDevice.objects.get(user=user).config_url).secret


def test_a_secret_seen_in_another_session_is_replaced(user):
    intruder, owner = signed_in(user), signed_in(user)
    seen_by_intruder = shown_secret(intruder, user)
    seen_by_owner = shown_secret(owner, user)
    assert seen_by_owner != seen_by_intruder
    assert seen_by_intruder not in owner.get(SETUP).content.decode()

    code = pyotp.TOTP(seen_by_owner).now()
    assert owner.post(SETUP, {"code": code}).status_code == 302
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed and pyotp.parse_uri(device.config_url).secret == seen_by_owner


def test_the_intruders_old_secret_does_not_confirm(user):
    intruder, owner = signed_in(user), signed_in(user)
    stale = shown_secret(intruder, user)
    shown_secret(owner, user)
    response = intruder.post(SETUP, {"code": pyotp.TOTP(stale).now()})
    assert response.status_code == 400
    assert "enter the 6-digit code your authenticator app shows now" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_reloading_in_the_same_session_keeps_the_secret(reauthed_client, user):
    assert shown_secret(reauthed_client, user) == shown_secret(reauthed_client, user)
