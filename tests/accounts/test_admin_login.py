"""/admin/login/ never runs django's own sign-in form: the site's sign-in (limits, events) does."""

from __future__ import annotations

import pyotp
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import login_verified
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_target():
    return UserFactory(verified=True, staff=True, is_superuser=True, with_totp=True)


def test_signed_in_non_staff_cannot_check_a_staff_password_at_admin_login(client, staff_target):
    client.force_login(
        UserFactory(verified=True), backend="django.contrib.auth.backends.ModelBackend"
    )
    answers = [
        client.post("/admin/login/", {"username": staff_target.username, "password": password})
        for password in ("not-the-password", PASSWORD)
    ]
    # Same refusal whatever the password: the form is never processed.
    assert [a.status_code for a in answers] == [403, 403]
    for answer in answers:
        assert "sign in with a staff account" in answer.content.decode()
        assert "correct username and password" not in answer.content.decode()


def test_signed_in_non_staff_cannot_switch_to_staff_through_admin_login(client, staff_target):
    attacker = UserFactory(verified=True)
    client.force_login(attacker, backend="django.contrib.auth.backends.ModelBackend")
    code = pyotp.parse_uri(TOTPDevice.objects.get(user=staff_target).config_url).now()
    client.post(
        "/admin/login/",
        {"username": staff_target.username, "password": PASSWORD, "otp_token": code},
    )
    assert int(client.session["_auth_user_id"]) == attacker.pk
    assert client.get("/admin/").status_code == 302


def test_verified_staff_at_admin_login_goes_on_to_a_local_next(client, staff_target):
    login_verified(client, staff_target)
    assert client.get("/admin/login/?next=/admin/recovery/")["Location"] == "/admin/recovery/"
    assert client.get("/admin/login/?next=https://evil.example/")["Location"] == "/admin/"
    posted = client.post("/admin/login/?next=/admin/", {"username": "x", "password": "y"})
    assert posted.status_code == 302 and posted["Location"] == "/admin/"
