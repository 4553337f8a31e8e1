"""Signing in with a second factor: allauth's login stage + our second-step page."""

from __future__ import annotations

import pyotp
import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import RecoveryCodeDevice
from accounts.reauth import is_recently_authenticated
from accounts.twofactor.services import recovery_codes_generate
from tests.factories import PASSWORD, TOTPDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db

STEP = "/accounts/two-factor/"


@pytest.fixture
def totp_user():
    user = UserFactory(verified=True)
    TOTPDeviceFactory(user=user)
    return user


def code_for(user) -> str:
    return pyotp.parse_uri(TOTPDevice.objects.get(user=user).config_url).now()


def enter_password(client, user):
    return client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})


def test_password_alone_signs_in_an_account_without_two_factor(client, user):
    response = enter_password(client, user)
    assert response.status_code == 302
    assert response["Location"] == "/manage/account/"
    assert client.get("/manage/account/").status_code == 200
    # Entering the password counts as a fresh re-authentication.
    assert client.session["wharf_reauthenticated_at"]


def test_account_with_totp_goes_to_the_second_step_not_signed_in(client, totp_user):
    response = enter_password(client, totp_user)
    assert response.status_code == 302
    assert response["Location"] == STEP
    assert "_auth_user_id" not in client.session
    page = client.get(STEP)
    assert page.status_code == 200
    assert "The 6-digit code your authenticator app shows" in page.content.decode()


def test_half_signed_in_session_reaches_nothing_else(client, totp_user):
    totp_user.is_staff = totp_user.is_superuser = True
    totp_user.save()
    enter_password(client, totp_user)
    manage = client.get("/manage/account/")
    assert manage.status_code == 302 and manage["Location"].startswith("/accounts/login/")
    assert client.get("/manage/account/two-factor/").status_code == 302
    assert client.get("/api/v1/account/").status_code in (401, 403)
    admin = client.get("/admin/")
    assert admin.status_code == 302 and "/admin/login/" in admin["Location"]


def test_login_with_totp_completes_sign_in_and_records_the_factor(client, totp_user, mailoutbox):
    enter_password(client, totp_user)
    response = client.post(STEP, {"method": "totp", "code": code_for(totp_user)})
    assert response.status_code == 302
    assert response["Location"] == "/manage/account/"
    assert client.get("/manage/account/").status_code == 200
    device = TOTPDevice.objects.get(user=totp_user)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert totp_user.events.get(tag="account:2fa:totp:used").details["purpose"] == "sign-in"
    assert totp_user.events.get(tag="account:login:success").details["factor"] == "totp"
    assert not [m for m in mailoutbox if "was used" in m.subject]  # routine use is not mailed


def test_staff_signed_in_with_totp_reaches_admin(client, totp_user):
    totp_user.is_staff = totp_user.is_superuser = True
    totp_user.save()
    enter_password(client, totp_user)
    client.post(STEP, {"method": "totp", "code": code_for(totp_user)})
    assert client.get("/admin/").status_code == 200


def test_staff_without_verified_factor_is_refused_by_admin(client):
    staff = UserFactory(verified=True, staff=True, is_superuser=True)
    enter_password(client, staff)  # no second factor at all: signed in, but not verified
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_wrong_code_is_refused_with_a_message_and_login_stays_pending(client, totp_user):
    enter_password(client, totp_user)
    right = code_for(totp_user)
    response = client.post(STEP, {"method": "totp", "code": "999999" if right != "999999" else "0"})
    assert response.status_code == 400
    assert "enter the current code from your authenticator app" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_totp_code_cannot_be_replayed_at_the_second_step(client, totp_user):
    enter_password(client, totp_user)
    code = code_for(totp_user)
    assert client.post(STEP, {"method": "totp", "code": code}).status_code == 302
    client.post("/accounts/logout/")
    enter_password(client, totp_user)
    TOTPDevice.objects.get(user=totp_user).throttle_reset()
    replay = client.post(STEP, {"method": "totp", "code": code})
    assert replay.status_code == 400
    assert "_auth_user_id" not in client.session


def test_login_with_recovery_code_works_once(client, totp_user, mailoutbox):
    codes = recovery_codes_generate(user=totp_user)
    mailoutbox.clear()
    enter_password(client, totp_user)
    response = client.post(STEP, {"method": "recovery_code", "code": codes[3].upper()})
    assert response.status_code == 302 and response["Location"] == "/manage/account/"
    assert RecoveryCodeDevice.objects.get(user=totp_user).remaining == 7
    login = totp_user.events.get(tag="account:login:success")
    assert login.details["factor"] == "recovery_code"
    assert totp_user.events.filter(tag="account:2fa:recovery_code:used").count() == 1
    assert [m.subject for m in mailoutbox if "recovery" in m.subject.lower()] == [
        "[Wharf] A recovery code was used"
    ]
    assert "7 codes left" in mailoutbox[-1].body

    client.post("/accounts/logout/")
    enter_password(client, totp_user)
    again = client.post(STEP, {"method": "recovery_code", "code": codes[3]})
    assert again.status_code == 400
    assert "an unused recovery code" in again.content.decode()
    assert "_auth_user_id" not in client.session


def test_second_step_is_rate_limited_per_account(client, totp_user):
    enter_password(client, totp_user)
    for _ in range(5):
        TOTPDevice.objects.get(user=totp_user).throttle_reset()
        assert client.post(STEP, {"method": "totp", "code": "12345x"}).status_code == 400
    TOTPDevice.objects.get(user=totp_user).throttle_reset()
    limited = client.post(STEP, {"method": "totp", "code": code_for(totp_user)})
    assert limited.status_code == 429
    assert "wait five minutes and try again" in limited.content.decode()
    assert "_auth_user_id" not in client.session


def test_pending_sign_in_expires(client, totp_user, settings):
    enter_password(client, totp_user)
    settings.ACCOUNT_LOGIN_TIMEOUT = -1
    response = client.post(STEP, {"method": "totp", "code": code_for(totp_user)})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_second_step_without_a_pending_sign_in_goes_to_login(client):
    response = client.get(STEP)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_second_step_when_already_signed_in_goes_to_the_account(user_client):
    response = user_client.get(STEP)
    assert response.status_code == 302 and response["Location"] == "/manage/account/"


def test_right_code_right_after_a_wrong_one_is_throttled_by_django_otp(client, totp_user):
    enter_password(client, totp_user)
    code = code_for(totp_user)
    client.post(STEP, {"method": "totp", "code": "000000" if code != "000000" else "111111"})
    throttled = client.post(STEP, {"method": "totp", "code": code})
    assert throttled.status_code == 400
    assert "wait a few seconds before trying again" in throttled.content.decode()
    TOTPDevice.objects.get(user=totp_user).throttle_reset()  # as if the wait had passed
    assert client.post(STEP, {"method": "totp", "code": code}).status_code == 302


def test_sign_in_marks_the_session_recently_authenticated(client, totp_user, rf):
    enter_password(client, totp_user)
    client.post(STEP, {"method": "totp", "code": code_for(totp_user)})
    request = rf.get("/")
    request.session = client.session
    assert is_recently_authenticated(request)


def test_admin_login_sends_staff_through_the_sites_sign_in_and_second_factor(client):
    staff = UserFactory(verified=True, staff=True, is_superuser=True, with_totp=True)
    assert client.get("/admin/login/?next=/admin/")["Location"] == ("/accounts/login/?next=/admin/")
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    refused = client.get("/admin/")
    assert refused.status_code == 302
    asked = client.get(refused["Location"])
    assert asked["Location"] == "/manage/account/reauthenticate/?next=%2Fadmin%2F"
    response = client.post(
        asked["Location"], {"password": PASSWORD, "method": "totp", "code": code_for(staff)}
    )
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_admin_login_tells_staff_without_two_factor_to_add_it(client):
    staff = UserFactory(verified=True, staff=True, is_superuser=True)
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 403
    assert "add an authenticator app or a security key" in response.content.decode()
