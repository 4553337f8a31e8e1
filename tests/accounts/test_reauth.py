"""Re-authentication: sensitive actions need the password (+ second factor) again, recently."""

from __future__ import annotations

import json
import time

import pyotp
import pytest
from allauth.account.models import EmailAddress
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from fido2.utils import websafe_encode

from accounts.models import WebAuthnDevice
from accounts.reauth import SESSION_KEY
from accounts.twofactor.services import recovery_codes_generate
from tests.conftest import mark_reauthenticated
from tests.factories import (
    PASSWORD,
    EmailAddressFactory,
    ReleaseFactory,
    RoleFactory,
    TOTPDeviceFactory,
    UserFactory,
)
from tests.softwebauthn import SoftAuthenticator

pytestmark = pytest.mark.django_db

REAUTH = "/manage/account/reauthenticate/"

# Every sensitive page or action, as (method, path). Paths with {key} need a security key.
SENSITIVE = [
    ("get", "/manage/account/two-factor/totp/"),
    ("post", "/manage/account/two-factor/totp/"),  # confirming the enrolment with a code
    ("post", "/manage/account/two-factor/totp/remove/"),
    ("get", "/manage/account/two-factor/webauthn/"),
    ("post", "/manage/account/two-factor/webauthn/begin/"),
    ("post", "/manage/account/two-factor/webauthn/complete/"),
    ("post", "/manage/account/two-factor/webauthn/{key}/remove/"),
    ("post", "/manage/account/two-factor/recovery-codes/regenerate/"),
    ("get", "/manage/account/tokens/new/"),
    ("post", "/manage/account/tokens/new/"),
    ("get", "/accounts/password/change/"),
    ("post", "/accounts/password/change/"),
]


def registered_key(user) -> WebAuthnDevice:
    soft = SoftAuthenticator()
    return WebAuthnDevice.objects.create(
        user=user,
        name="k",
        confirmed=True,
        credential_id=websafe_encode(soft.credential_id),
        credential_data=soft.credential_data(),
    )


def signed_in(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.mark.parametrize(("method", "path"), SENSITIVE)
def test_sensitive_actions_ask_to_reauthenticate_first(client, user, method, path):
    key = registered_key(user)
    signed_in(client, user)
    path = path.format(key=key.pk)
    response = getattr(client, method)(path, HTTP_REFERER="http://testserver/manage/account/")
    assert response.status_code == 302
    expected_next = path if method == "get" else "/manage/account/"
    assert response["Location"] == f"{REAUTH}?next={expected_next.replace('/', '%2F')}"
    assert WebAuthnDevice.objects.filter(pk=key.pk).exists()
    page = client.get(response["Location"])
    assert "Confirm it's you" in page.content.decode()


@pytest.mark.parametrize(("method", "path"), SENSITIVE)
def test_sensitive_actions_go_through_after_reauthentication(client, user, method, path):
    key = registered_key(user)
    TOTPDeviceFactory(user=user)
    mark_reauthenticated(signed_in(client, user))
    response = getattr(client, method)(path.format(key=key.pk))
    assert not response.get("Location", "").startswith(REAUTH)


def test_reauthentication_expires(client, user, settings):
    mark_reauthenticated(signed_in(client, user))
    assert client.get("/accounts/password/change/").status_code == 200
    settings.REAUTH_MAX_AGE = 0
    session = client.session
    session[SESSION_KEY] = time.time() - 1
    session.save()
    response = client.get("/accounts/password/change/")
    assert response["Location"].startswith(REAUTH)


def test_totp_enrolment_cannot_be_confirmed_once_reauthentication_expired(client, user, mailoutbox):
    mark_reauthenticated(signed_in(client, user))
    assert client.get("/manage/account/two-factor/totp/").status_code == 200  # secret shown
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    session = client.session
    session[SESSION_KEY] = time.time() - 3600
    session.save()

    code = pyotp.parse_uri(device.config_url).now()
    response = client.post("/manage/account/two-factor/totp/", {"code": code})

    assert response["Location"].startswith(REAUTH)
    device.refresh_from_db()
    assert device.confirmed is False
    assert not user.events.filter(tag="account:2fa:totp:added").exists()
    assert mailoutbox == []


def test_password_only_account_reauthenticates_with_password_and_returns(client, user):
    signed_in(client, user)
    wrong = client.post(f"{REAUTH}?next=/accounts/password/change/", {"password": "nope"})
    assert wrong.status_code == 400
    assert "Wrong password: enter the password you sign in with" in wrong.content.decode()

    response = client.post(f"{REAUTH}?next=/accounts/password/change/", {"password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/change/"
    assert client.get("/accounts/password/change/").status_code == 200


def test_reauthentication_never_redirects_off_site(client, user):
    signed_in(client, user)
    response = client.post(f"{REAUTH}?next=https://evil.example/", {"password": PASSWORD})
    assert response["Location"] == "/manage/account/"


def test_two_factor_account_needs_its_second_factor_too(client, mailoutbox):
    user = UserFactory(verified=True, with_totp=True)
    signed_in(client, user)
    page = client.get(REAUTH).content.decode()
    assert "and your second factor" in page

    password_only = client.post(REAUTH, {"password": PASSWORD, "method": "totp", "code": ""})
    assert password_only.status_code == 400
    assert "enter the current code from your authenticator app" in password_only.content.decode()
    assert SESSION_KEY not in client.session

    device = TOTPDevice.objects.get(user=user)
    device.throttle_reset()
    code = pyotp.parse_uri(device.config_url).now()
    response = client.post(
        f"{REAUTH}?next=/manage/account/two-factor/totp/remove/",
        {"password": PASSWORD, "method": "totp", "code": code},
    )
    assert response.status_code == 302
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert user.events.get(tag="account:2fa:totp:used").details["purpose"] == "re-authentication"
    # Routine second-factor use is in the history, not mailed (issue 12).
    assert not [m for m in mailoutbox if "was used" in m.subject]
    assert client.post("/manage/account/two-factor/totp/remove/").status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_reauthentication_with_a_recovery_code(client, mailoutbox):
    user = UserFactory(verified=True, with_totp=True)
    codes = recovery_codes_generate(user=user)
    signed_in(client, user)
    response = client.post(
        REAUTH, {"password": PASSWORD, "method": "recovery_code", "code": codes[0]}
    )
    assert response.status_code == 302
    assert user.events.filter(tag="account:2fa:recovery_code:used").count() == 1
    assert "[Wharf] A recovery code was used" in [m.subject for m in mailoutbox]


def test_reauthentication_with_a_security_key(client):
    user = UserFactory(verified=True)
    key = SoftAuthenticator()
    mark_reauthenticated(signed_in(client, user))
    options = client.post(
        "/manage/account/two-factor/webauthn/begin/", "{}", content_type="application/json"
    ).json()
    client.post(
        "/manage/account/two-factor/webauthn/complete/",
        json.dumps({"label": "Key", "credential": key.create(options)}),
        content_type="application/json",
    )
    client.logout()

    signed_in(client, user)
    assert "Continue with my security key" in client.get(REAUTH).content.decode()
    begin = f"{REAUTH}webauthn/begin/"
    complete = f"{REAUTH}webauthn/complete/?next=/manage/account/two-factor/webauthn/"

    options = client.post(begin, "{}", content_type="application/json").json()
    wrong = client.post(
        complete,
        json.dumps({"password": "nope", "credential": key.get(options)}),
        content_type="application/json",
    )
    assert wrong.status_code == 400
    assert "Wrong password" in wrong.json()["detail"]

    options = client.post(begin, "{}", content_type="application/json").json()
    response = client.post(
        complete,
        json.dumps({"password": PASSWORD, "credential": key.get(options)}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json() == {"redirect": "/manage/account/two-factor/webauthn/"}
    assert client.get("/manage/account/two-factor/webauthn/").status_code == 200


def test_reauthentication_attempts_are_rate_limited(client, user):
    signed_in(client, user)
    for _ in range(5):
        assert client.post(REAUTH, {"password": "wrong"}).status_code == 400
    limited = client.post(REAUTH, {"password": PASSWORD})
    assert limited.status_code == 429
    assert "wait five minutes and try again" in limited.content.decode()


def test_password_change_needs_reauthentication(client, user):
    signed_in(client, user)
    data = {
        "oldpassword": PASSWORD,
        "password1": "a new long passphrase",
        "password2": "a new long passphrase",
    }
    refused = client.post("/accounts/password/change/", data)
    assert refused["Location"].startswith(REAUTH)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)

    mark_reauthenticated(client)
    client.post("/accounts/password/change/", data)
    user.refresh_from_db()
    assert user.check_password("a new long passphrase")


def test_changing_the_primary_email_needs_reauthentication(client, user):
    other = EmailAddressFactory(user=user, email="second@example.com", verified=True)
    signed_in(client, user)
    assert client.get("/accounts/email/").status_code == 200  # looking is fine

    data = {"email": other.email, "action_primary": ""}
    refused = client.post(
        "/accounts/email/", data, HTTP_REFERER="http://testserver/accounts/email/"
    )
    assert refused["Location"] == f"{REAUTH}?next=%2Faccounts%2Femail%2F"
    assert EmailAddress.objects.get_primary(user).email == user.email

    mark_reauthenticated(client)
    client.post("/accounts/email/", data)
    assert EmailAddress.objects.get_primary(user).email == "second@example.com"


def test_reauth_json_endpoints_answer_json(client, user):
    signed_in(client, user)
    response = client.post(
        "/manage/account/two-factor/webauthn/begin/", "{}", content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["reauth_url"].startswith(REAUTH)


@pytest.mark.parametrize("action", ["delete_release", "delete_file"])
def test_deleting_releases_and_files_needs_reauthentication(client, user, action):
    from packages.models import Release

    release = ReleaseFactory(version="2.1", canonical_version="2.1")
    RoleFactory(project=release.project, user=user, role="Owner")
    page = f"/manage/project/{release.project.normalized_name}/release/2.1/"
    signed_in(client, user)
    assert client.get(page).status_code == 200  # looking is fine

    data = {"action": action, "confirm": "2.1", "file": "0"}
    refused = client.post(page, data, HTTP_REFERER=f"http://testserver{page}")
    assert refused["Location"] == f"{REAUTH}?next={page.replace('/', '%2F')}"
    assert Release.objects.filter(pk=release.pk).exists()

    mark_reauthenticated(client)
    response = client.post(page, data)
    assert not response.get("Location", "").startswith(REAUTH)  # on to the view itself
    if action == "delete_release":
        assert not Release.objects.filter(pk=release.pk).exists()
