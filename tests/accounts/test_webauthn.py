"""Security keys: full WebAuthn ceremonies through the real views with a software key."""

from __future__ import annotations

import json

import pytest
from django_otp import DEVICE_ID_SESSION_KEY

from accounts import webauthn
from accounts.models import RecoveryCodeDevice, WebAuthnDevice
from accounts.twofactor import user_has_two_factor
from tests.conftest import mark_reauthenticated
from tests.factories import PASSWORD, UserFactory
from tests.softwebauthn import SoftAuthenticator

pytestmark = pytest.mark.django_db

MANAGE = "/manage/account/two-factor/"
LOGIN_BEGIN = "/accounts/two-factor/webauthn/begin/"
LOGIN_COMPLETE = "/accounts/two-factor/webauthn/complete/"


def post_json(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def register(client, key: SoftAuthenticator, label: str = "Blue key", **kwargs):
    options = post_json(client, f"{MANAGE}webauthn/begin/")
    assert options.status_code == 200, options.content
    credential = key.create(options.json(), **kwargs)
    return post_json(
        client, f"{MANAGE}webauthn/complete/", {"label": label, "credential": credential}
    )


def sign_in_with_password(client, user):
    response = client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    assert response["Location"] == "/accounts/two-factor/"


def sign_in_with_key(client, key: SoftAuthenticator, **kwargs):
    options = post_json(client, LOGIN_BEGIN)
    assert options.status_code == 200, options.content
    return post_json(client, LOGIN_COMPLETE, {"credential": key.get(options.json(), **kwargs)})


@pytest.fixture
def key_user(client):
    """A user with one registered software key; the client is signed out again."""
    user = UserFactory(verified=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    mark_reauthenticated(client)
    key = SoftAuthenticator()
    assert register(client, key).status_code == 200
    client.logout()
    user.key = key
    return user


def test_registration_ceremony_adds_a_labelled_key_and_recovery_codes(
    reauthed_client, user, mailoutbox
):
    options = post_json(reauthed_client, f"{MANAGE}webauthn/begin/").json()
    public_key = options["publicKey"]
    assert public_key["rp"]["id"] == "localhost"  # from SITE_URL, not the Host header
    assert public_key["attestation"] == "none"

    key = SoftAuthenticator()
    response = post_json(
        reauthed_client,
        f"{MANAGE}webauthn/complete/",
        {"label": "  Blue   key ", "credential": key.create(options)},
    )
    assert response.status_code == 200
    assert response.json() == {"redirect": "/manage/account/two-factor/recovery-codes/"}
    device = WebAuthnDevice.objects.get(user=user)
    assert device.name == "Blue key" and device.confirmed and device.factor_name == "webauthn"
    assert device.verify_token("123456") is False
    assert reauthed_client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert user_has_two_factor(user)
    assert RecoveryCodeDevice.objects.get(user=user).remaining == 8
    assert user.events.get(tag="account:2fa:webauthn:added").details["label"] == "Blue key"
    assert [m.subject for m in mailoutbox] == [
        '[Wharf] Two-factor authentication: security key "Blue key" added'
    ]
    overview = reauthed_client.get(MANAGE).content.decode()
    assert "Blue key" in overview and "Add a security key" in overview


def test_several_keys_can_be_registered_and_used(client, key_user):
    client.force_login(key_user, backend="django.contrib.auth.backends.ModelBackend")
    mark_reauthenticated(client)
    second = SoftAuthenticator()
    response = register(client, second, label="Backup key")
    assert response.json() == {"redirect": MANAGE}  # codes exist already: none shown again
    options = post_json(client, f"{MANAGE}webauthn/begin/").json()
    assert len(options["publicKey"]["excludeCredentials"]) == 2
    client.logout()

    sign_in_with_password(client, key_user)
    assert sign_in_with_key(client, second).status_code == 200


def test_same_key_cannot_be_registered_twice(reauthed_client):
    key = SoftAuthenticator()
    assert register(reauthed_client, key).status_code == 200
    again = register(reauthed_client, key)
    assert again.status_code == 409
    assert again.json()["detail"] == "This security key is already registered."


def test_registration_from_another_origin_is_refused(reauthed_client, user):
    response = register(reauthed_client, SoftAuthenticator(), origin="https://evil.example")
    assert response.status_code == 400
    assert "Invalid origin" in response.json()["detail"]
    assert "Try again" in response.json()["detail"]
    assert not WebAuthnDevice.objects.filter(user=user).exists()


def test_registration_needs_a_label(reauthed_client, user):
    response = register(reauthed_client, SoftAuthenticator(), label=" ")
    assert response.status_code == 400
    assert "Give the key a name" in response.json()["detail"]
    assert not WebAuthnDevice.objects.exists()


def test_registration_garbage_is_a_clear_400(reauthed_client):
    post_json(reauthed_client, f"{MANAGE}webauthn/begin/")
    response = post_json(reauthed_client, f"{MANAGE}webauthn/complete/", {"credential": {"x": 1}})
    assert response.status_code == 400
    assert "not accepted" in response.json()["detail"]
    post_json(reauthed_client, f"{MANAGE}webauthn/begin/")
    missing = post_json(reauthed_client, f"{MANAGE}webauthn/complete/", {"label": "k"})
    assert missing.status_code == 400
    assert "No security key response was sent" in missing.json()["detail"]
    not_json = reauthed_client.post(
        f"{MANAGE}webauthn/complete/", "{", content_type="application/json"
    )
    assert not_json.status_code == 400
    assert "must be JSON" in not_json.json()["detail"]


def test_registration_needs_reauthentication(user_client):
    response = post_json(user_client, f"{MANAGE}webauthn/begin/")
    assert response.status_code == 403
    assert response.json()["reauth_url"].startswith("/manage/account/reauthenticate/?next=")
    assert "enter your password" in response.json()["detail"]
    page = user_client.get(f"{MANAGE}webauthn/")
    assert page.status_code == 302
    assert page["Location"] == (
        "/manage/account/reauthenticate/?next=%2Fmanage%2Faccount%2Ftwo-factor%2Fwebauthn%2F"
    )


def test_login_with_security_key_completes_sign_in(client, key_user, mailoutbox):
    sign_in_with_password(client, key_user)
    assert "Use my security key" in client.get("/accounts/two-factor/").content.decode()
    response = sign_in_with_key(client, key_user.key)
    assert response.status_code == 200
    assert response.json() == {"redirect": "/manage/account/"}
    device = WebAuthnDevice.objects.get(user=key_user)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert device.sign_count == 1 and device.last_used_at is not None
    assert client.get("/manage/account/").status_code == 200
    assert key_user.events.get(tag="account:2fa:webauthn:used").details["purpose"] == "sign-in"
    assert key_user.events.get(tag="account:login:success").details["factor"] == "webauthn"
    assert not [m for m in mailoutbox if "was used" in m.subject]  # routine use is not mailed


def test_counter_regression_is_refused_and_recorded_as_possible_clone(client, key_user, mailoutbox):
    sign_in_with_password(client, key_user)
    assert sign_in_with_key(client, key_user.key).status_code == 200
    client.post("/accounts/logout/")
    mailoutbox.clear()

    key_user.key.counter = 0  # a copy of the key that has not counted the last use
    sign_in_with_password(client, key_user)
    response = sign_in_with_key(client, key_user.key)  # reports 1 again
    assert response.status_code == 400
    assert "counter went backwards" in response.json()["detail"]
    assert "sign in with another method" in response.json()["detail"]
    assert "_auth_user_id" not in client.session
    event = key_user.events.get(tag="account:2fa:webauthn:counter_regression")
    assert event.details == {"label": "Blue key", "stored": 1, "received": 1}
    assert WebAuthnDevice.objects.get(user=key_user).sign_count == 1
    assert [m.subject for m in mailoutbox] == ["[Wharf] A security key was refused: possible copy"]


def test_keys_that_never_count_are_accepted_at_zero(client, key_user):
    sign_in_with_password(client, key_user)
    key_user.key.counter = -1  # get() adds one: reports 0, like many passkeys
    assert sign_in_with_key(client, key_user.key).status_code == 200


def test_assertion_from_another_origin_is_refused(client, key_user):
    sign_in_with_password(client, key_user)
    response = sign_in_with_key(client, key_user.key, origin="http://localhost:9999")
    assert response.status_code == 400
    assert "Invalid origin" in response.json()["detail"]
    assert "use another method" in response.json()["detail"]
    assert "_auth_user_id" not in client.session


def test_challenge_is_single_use(client, key_user):
    sign_in_with_password(client, key_user)
    options = post_json(client, LOGIN_BEGIN).json()
    credential = key_user.key.get(options)
    assert post_json(client, LOGIN_COMPLETE, {"credential": credential}).status_code == 200
    client.post("/accounts/logout/")
    sign_in_with_password(client, key_user)
    replay = post_json(client, LOGIN_COMPLETE, {"credential": credential})
    assert replay.status_code == 400
    assert "start again" in replay.json()["detail"]


def test_challenge_expires(client, key_user, monkeypatch):
    sign_in_with_password(client, key_user)
    options = post_json(client, LOGIN_BEGIN).json()
    monkeypatch.setattr(webauthn, "CHALLENGE_MAX_AGE", -1)
    response = post_json(client, LOGIN_COMPLETE, {"credential": key_user.key.get(options)})
    assert response.status_code == 400
    assert "expired: start again" in response.json()["detail"]


def test_another_users_key_is_not_accepted(client, key_user):
    other = UserFactory(verified=True)
    client.force_login(other, backend="django.contrib.auth.backends.ModelBackend")
    mark_reauthenticated(client)
    other_key = SoftAuthenticator()
    register(client, other_key)
    client.logout()

    sign_in_with_password(client, key_user)
    options = post_json(client, LOGIN_BEGIN).json()
    forged = other_key.get({"publicKey": {**options["publicKey"], "allowCredentials": []}})
    response = post_json(client, LOGIN_COMPLETE, {"credential": forged})
    assert response.status_code == 400
    assert "Unknown credential" in response.json()["detail"]


def test_key_login_endpoints_need_a_pending_sign_in(client):
    response = post_json(client, LOGIN_BEGIN)
    assert response.status_code == 400
    assert "sign in again" in response.json()["detail"]


def test_rename_key(client, key_user):
    client.force_login(key_user, backend="django.contrib.auth.backends.ModelBackend")
    device = WebAuthnDevice.objects.get(user=key_user)
    response = client.post(f"{MANAGE}webauthn/{device.pk}/rename/", {"label": "Keyring key"})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.name == "Keyring key"
    assert key_user.events.get(tag="account:2fa:webauthn:renamed").details == {
        "label": "Keyring key",
        "old": "Blue key",
    }
    other = UserFactory()
    client.force_login(other, backend="django.contrib.auth.backends.ModelBackend")
    assert client.post(f"{MANAGE}webauthn/{device.pk}/rename/", {"label": "x"}).status_code == 404


def test_remove_key_needs_reauthentication(client, key_user, mailoutbox):
    client.force_login(key_user, backend="django.contrib.auth.backends.ModelBackend")
    device = WebAuthnDevice.objects.get(user=key_user)
    refused = client.post(f"{MANAGE}webauthn/{device.pk}/remove/")
    assert refused.status_code == 302
    assert refused["Location"].startswith("/manage/account/reauthenticate/")
    assert WebAuthnDevice.objects.filter(pk=device.pk).exists()

    mark_reauthenticated(client)
    mailoutbox.clear()
    response = client.post(f"{MANAGE}webauthn/{device.pk}/remove/")
    assert response.status_code == 302
    assert not WebAuthnDevice.objects.filter(pk=device.pk).exists()
    assert key_user.events.filter(tag="account:2fa:webauthn:removed").exists()
    assert [m.subject for m in mailoutbox] == [
        "[Wharf] Two-factor authentication: security key removed"
    ]
