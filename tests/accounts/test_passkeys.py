"""Passkeys: registered with user verification, then sign-in with the passkey alone."""

from __future__ import annotations

import json

import pytest

from accounts.models import AccountEvent, UserSession, WebAuthnDevice
from tests.conftest import mark_reauthenticated
from tests.factories import UserFactory
from tests.softwebauthn import SoftAuthenticator

pytestmark = pytest.mark.django_db

BEGIN, COMPLETE = "/accounts/passkey/begin/", "/accounts/passkey/complete/"


def post_json(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def register(client, key: SoftAuthenticator, *, passkey: bool = True):
    base = "/manage/account/two-factor/" + ("passkey/" if passkey else "webauthn/")
    options = post_json(client, base + "begin/").json()
    credential = key.create(options)
    return options, post_json(
        client, base + "complete/", {"label": "Laptop", "credential": credential}
    )


def sign_in_with_passkey(client, key: SoftAuthenticator):
    options = post_json(client, BEGIN)
    assert options.status_code == 200, options.content
    return post_json(client, COMPLETE, {"credential": key.get(options.json())})


@pytest.fixture
def passkey_user(client):
    user = UserFactory(verified=True, staff=True, is_superuser=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    mark_reauthenticated(client)
    key = SoftAuthenticator(verifies_user=True)
    options, response = register(client, key)
    assert response.status_code == 200, response.content
    assert options["publicKey"]["authenticatorSelection"]["residentKey"] == "required"
    assert options["publicKey"]["authenticatorSelection"]["userVerification"] == "required"
    client.logout()
    user.key = key
    return user


def test_passkey_signs_in_alone_and_counts_as_two_factors(client, passkey_user):
    options = post_json(client, BEGIN).json()
    assert not options["publicKey"].get("allowCredentials")  # no username: any passkey here
    response = post_json(client, COMPLETE, {"credential": passkey_user.key.get(options)})

    assert response.status_code == 200, response.content
    assert response.json()["redirect"] == "/manage/account/"
    assert client.get("/manage/account/").status_code == 200
    assert client.get("/admin/").status_code == 200  # the session passed a second factor
    event = AccountEvent.objects.filter(user=passkey_user, tag="account:login:success").get()
    assert event.details["method"] == "passkey"
    assert UserSession.objects.active_for(passkey_user).get().method == "passkey"
    assert WebAuthnDevice.objects.get(user=passkey_user).last_used_at is not None
    assert "Signed in with a passkey" in client.get("/manage/account/").content.decode()


def test_passkey_without_user_verification_is_refused(client, passkey_user):
    passkey_user.key.verifies_user = False
    response = sign_in_with_passkey(client, passkey_user.key)
    assert response.status_code == 400
    assert "Try again or sign in with your password" in response.json()["detail"]
    assert client.get("/manage/account/").status_code == 302


def test_a_security_key_is_not_a_passkey(client):
    user = UserFactory(verified=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    mark_reauthenticated(client)
    key = SoftAuthenticator(verifies_user=True)
    assert register(client, key, passkey=False)[1].status_code == 200
    client.logout()

    response = sign_in_with_passkey(client, key)

    assert response.status_code == 400
    assert "add the passkey on your two-factor page" in response.json()["detail"]


def test_unknown_passkey_and_garbage_are_clear_400s(client):
    response = sign_in_with_passkey(client, SoftAuthenticator(verifies_user=True))
    assert response.status_code == 400 and "not registered here" in response.json()["detail"]
    post_json(client, BEGIN)
    response = post_json(client, COMPLETE, {"credential": "junk"})
    assert response.status_code == 400 and "start again" in response.json()["detail"]
    response = post_json(client, COMPLETE, {"credential": {}})
    assert response.status_code == 400


def test_passkey_registration_needs_reauthentication(user_client):
    response = post_json(user_client, "/manage/account/two-factor/passkey/begin/")
    assert response.status_code == 403 and "reauth_url" in response.json()
