"""Authenticator apps (TOTP) and recovery codes, managed through the account pages."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import RecoveryCode, RecoveryCodeDevice, hash_recovery_code
from accounts.twofactor import user_has_two_factor
from accounts.twofactor.services import recovery_codes_generate
from tests.conftest import mark_reauthenticated
from tests.factories import PASSWORD, TOTPDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db

SETUP = "/manage/account/two-factor/totp/"
CODES_RE = re.compile(r"\b[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}\b")


def code_for(device: TOTPDevice, at: float | None = None) -> str:
    totp = pyotp.parse_uri(device.config_url)
    return totp.at(at) if at is not None else totp.now()


def shown_codes(client) -> list[str]:
    return CODES_RE.findall(
        client.get("/manage/account/two-factor/recovery-codes/").content.decode()
    )


def test_totp_setup_shows_local_svg_qr_code_and_secret(reauthed_client, user):
    response = reauthed_client.get(SETUP)
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed is False
    html = response.content.decode()
    assert "<svg" in html and "<img" not in html  # rendered here, not fetched from anywhere
    secret = pyotp.parse_uri(device.config_url).secret
    assert secret in html
    # Reloading the page shows the same secret until it is confirmed.
    reauthed_client.get(SETUP)
    assert TOTPDevice.objects.filter(user=user).count() == 1
    assert not user_has_two_factor(user)


def test_totp_enrol_refuses_wrong_code_accepts_right_one_and_refuses_replay(
    reauthed_client, user, mailoutbox
):
    reauthed_client.get(SETUP)
    device = TOTPDevice.objects.get(user=user)

    wrong = reauthed_client.post(
        SETUP, {"code": "000000" if code_for(device) != "000000" else "111111"}
    )
    assert wrong.status_code == 400
    assert "enter the 6-digit code your authenticator app shows now" in wrong.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False

    code = code_for(device)
    right = reauthed_client.post(SETUP, {"code": code})
    assert right.status_code == 302
    assert right["Location"] == "/manage/account/two-factor/recovery-codes/"
    device.refresh_from_db()
    assert device.confirmed is True
    assert user_has_two_factor(user)
    assert user.events.filter(tag="account:2fa:totp:added").exists()
    assert user.events.filter(tag="account:2fa:recovery_code:generated").exists()
    assert [m.subject for m in mailoutbox] == [
        "[Wharf] Two-factor authentication: authenticator app added"
    ]
    assert mailoutbox[0].to == [user.email]

    # The same code cannot be used again (django-otp remembers the last time step): signing
    # in with the code that confirmed the enrolment is refused at the second step.
    reauthed_client.post("/accounts/logout/")
    login = reauthed_client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    assert login["Location"] == "/accounts/two-factor/"
    device.refresh_from_db()
    device.throttle_reset()
    replay = reauthed_client.post("/accounts/two-factor/", {"method": "totp", "code": code})
    assert replay.status_code == 400
    assert "That code was already used" in replay.content.decode()
    assert "_auth_user_id" not in reauthed_client.session
    assert not user.events.filter(tag="account:login:success").exists()


def test_totp_codes_within_one_step_of_drift_are_accepted(user):
    device = TOTPDeviceFactory(user=user)
    assert device.verify_token(code_for(device, time.time() - 30)) is True
    device = TOTPDeviceFactory(user=UserFactory())
    assert device.verify_token(code_for(device, time.time() - 120)) is False


def test_first_factor_shows_eight_recovery_codes_once_stored_hashed(reauthed_client, user):
    reauthed_client.get(SETUP)
    device = TOTPDevice.objects.get(user=user)
    reauthed_client.post(SETUP, {"code": code_for(device)})

    codes = shown_codes(reauthed_client)
    assert len(codes) == 8 and len(set(codes)) == 8
    stored = set(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert stored == {hash_recovery_code(c) for c in codes}
    assert not any(c in stored for c in codes)  # never the codes themselves

    again = reauthed_client.get("/manage/account/two-factor/recovery-codes/").content.decode()
    assert CODES_RE.findall(again) == []
    assert "You have 8 recovery codes left" in again
    overview = reauthed_client.get("/manage/account/two-factor/").content.decode()
    assert "8 of 8 recovery codes left" in overview


def test_recovery_codes_regenerate_replaces_the_whole_set(reauthed_client, user, mailoutbox):
    TOTPDeviceFactory(user=user)
    old = recovery_codes_generate(user=user)
    mailoutbox.clear()

    response = reauthed_client.post("/manage/account/two-factor/recovery-codes/regenerate/")
    assert response.status_code == 302
    new = shown_codes(reauthed_client)
    assert len(new) == 8 and not set(new) & set(old)
    device = RecoveryCodeDevice.objects.get(user=user)
    assert device.verify_token(old[0]) is False
    device.throttle_reset()
    assert device.verify_token(new[0]) is True
    assert user.events.filter(tag="account:2fa:recovery_code:generated").count() == 2
    assert [m.subject for m in mailoutbox] == ["[Wharf] New recovery codes were made"]


def test_recovery_codes_need_a_second_factor_first(reauthed_client, user):
    response = reauthed_client.post("/manage/account/two-factor/recovery-codes/regenerate/")
    assert response.status_code == 400
    assert "add an authenticator app or a security key first" in response.content.decode()


def test_recovery_codes_alone_are_not_a_second_factor(user):
    RecoveryCodeDevice.objects.create(user=user, name="codes", confirmed=True)
    assert user_has_two_factor(user) is False
    TOTPDeviceFactory(user=user, confirmed=False)
    assert user_has_two_factor(user) is False
    TOTPDeviceFactory(user=user)
    assert user_has_two_factor(user) is True


def test_totp_remove_needs_reauthentication_then_removes_and_tells_the_user(
    user_client, user, mailoutbox
):
    TOTPDeviceFactory(user=user)
    recovery_codes_generate(user=user)
    mailoutbox.clear()

    refused = user_client.post(
        "/manage/account/two-factor/totp/remove/",
        HTTP_REFERER="http://testserver/manage/account/two-factor/",
    )
    assert refused.status_code == 302
    assert refused["Location"] == (
        "/manage/account/reauthenticate/?next=%2Fmanage%2Faccount%2Ftwo-factor%2F"
    )
    assert TOTPDevice.objects.filter(user=user).exists()

    mark_reauthenticated(user_client)
    response = user_client.post("/manage/account/two-factor/totp/remove/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    # The last factor went: the codes go too, and 2FA is off.
    assert not RecoveryCodeDevice.objects.filter(user=user).exists()
    event = user.events.get(tag="account:2fa:totp:removed")
    assert event.details["two_factor_left"] is False
    assert [m.subject for m in mailoutbox] == [
        "[Wharf] Two-factor authentication: authenticator app removed"
    ]
    assert "Two-factor authentication is now OFF" in mailoutbox[0].body


def test_totp_setup_when_one_exists_says_to_remove_it_first(reauthed_client, user):
    TOTPDeviceFactory(user=user)
    response = reauthed_client.get(SETUP)
    assert response.status_code == 409
    assert "remove it first" in response.content.decode()


def test_account_page_links_to_two_factor(user_client):
    assert (
        'href="/manage/account/two-factor/"' in user_client.get("/manage/account/").content.decode()
    )


def test_overview_lists_factors(reauthed_client, user):
    response = reauthed_client.get("/manage/account/two-factor/")
    assert response.status_code == 200
    assert "Set up an authenticator app" in response.content.decode()
