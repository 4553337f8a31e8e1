from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import AccountEvent
from tests.api.conftest import basic, current_code
from tests.conftest import login_verified, mark_reauthenticated
from tests.factories import TokenFactory, UserFactory
from tokens import secrets as token_secrets
from tokens.models import Token

pytestmark = pytest.mark.django_db

URL = "/api/v1/tokens/"


def test_anonymous_gets_401_with_a_basic_challenge(client) -> None:
    response = client.get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert "detail" in response.json()


def test_list_shows_only_the_callers_tokens_without_secrets(client, user) -> None:
    mine = TokenFactory(user=user, projects=["alpha"])
    TokenFactory()  # someone else's
    response = client.get(URL, **basic(user.username))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    (item,) = body["results"]
    assert item["id"] == mine.pk and item["projects"] == ["alpha"] and item["status"] == "active"
    assert "token" not in item and "secret_hash" not in item
    assert mine.raw not in response.content.decode()


def test_create_returns_the_secret_once(client, user) -> None:
    expires = (timezone.now() + dt.timedelta(days=30)).isoformat()
    response = client.post(
        URL,
        {"name": "CI", "projects": ["Alpha"], "expires_at": expires},
        content_type="application/json",
        **basic(user.username),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    token = Token.objects.get(pk=body["id"])
    assert token.user == user and token.projects == ["alpha"] and token.expires_at
    assert body["token"].startswith("wharf-")
    assert token_secrets.matches(body["token"], token.secret_hash)
    assert AccountEvent.objects.filter(user=user, tag="account:token:created").exists()
    assert body["token"] not in client.get(URL, **basic(user.username)).content.decode()


def test_create_account_wide_by_default(client, user) -> None:
    response = client.post(
        URL, {"name": "all"}, content_type="application/json", **basic(user.username)
    )
    assert response.status_code == 201
    assert response.json()["projects"] == []


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "required"),
        ({"name": "x", "projects": ["-bad-"]}, "not a valid project name"),
        ({"name": "x", "expires_at": "2001-01-01T00:00:00Z"}, "future date"),
        ({"name": "x", "projects": "alpha"}, "list"),
    ],
)
def test_create_refuses_bad_input_with_a_message(client, user, payload, message) -> None:
    response = client.post(URL, payload, content_type="application/json", **basic(user.username))
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not Token.objects.exists()


def test_cannot_scope_a_token_to_someone_elses_project(client, user) -> None:
    from packages.models import Project, Role

    project = Project.objects.create(name="theirs", normalized_name="theirs")
    Role.objects.create(project=project, user=UserFactory(), role="Owner")
    response = client.post(
        URL,
        {"name": "x", "projects": ["theirs"]},
        content_type="application/json",
        **basic(user.username),
    )
    assert response.status_code == 403
    assert 'no role on the project "theirs"' in response.json()["detail"]


def test_revoke_own_token(client, user, mailoutbox) -> None:
    token = TokenFactory(user=user)
    response = client.delete(f"{URL}{token.pk}/", **basic(user.username))
    assert response.status_code == 204
    token.refresh_from_db()
    assert token.is_revoked
    assert AccountEvent.objects.filter(user=user, tag="account:token:revoked").exists()
    assert any("revoked" in m.subject for m in mailoutbox)


def test_cannot_revoke_or_see_another_users_token(client, user) -> None:
    theirs = TokenFactory()
    response = client.delete(f"{URL}{theirs.pk}/", **basic(user.username))
    assert response.status_code == 404
    assert "no such token among yours" in response.json()["detail"]
    theirs.refresh_from_db()
    assert not theirs.is_revoked
    assert client.get(URL, **basic(user.username)).json()["count"] == 0


@pytest.mark.parametrize("how", ["__token__", "username", "bearer", "token"])
def test_an_api_token_can_never_call_the_api(client, user, how) -> None:
    token = TokenFactory(user=user)
    headers = {
        "__token__": basic("__token__", token.raw),
        "username": basic(user.username, token.raw),
        "bearer": {"HTTP_AUTHORIZATION": f"Bearer {token.raw}"},
        "token": {"HTTP_AUTHORIZATION": f"Token {token.raw}"},
    }[how]
    for response in [
        client.get(URL, **headers),
        client.post(URL, {"name": "more"}, content_type="application/json", **headers),
        client.delete(f"{URL}{token.pk}/", **headers),
    ]:
        assert response.status_code == 401
        assert "API tokens are for uploads only" in response.json()["detail"]
    assert Token.objects.count() == 1 and not Token.objects.get().is_revoked


def test_wrong_password_is_refused_with_a_message(client, user) -> None:
    response = client.get(URL, **basic(user.username, "wrong password"))
    assert response.status_code == 401
    assert "wrong username or password" in response.json()["detail"]


def test_two_factor_user_needs_x_otp(client) -> None:
    user = UserFactory(with_totp=True)
    response = client.get(URL, **basic(user.username))
    assert response.status_code == 401
    assert "X-OTP header" in response.json()["detail"]

    response = client.get(URL, **basic(user.username, otp="000000"))
    assert response.status_code == 401
    assert "X-OTP code is wrong" in response.json()["detail"]

    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.get(user=user).throttle_reset()
    response = client.get(URL, **basic(user.username, otp=current_code(user)))
    assert response.status_code == 200


def test_failed_basic_auth_is_throttled(client, user) -> None:
    for _ in range(10):
        assert client.get(URL, **basic(user.username, "nope")).status_code == 401
    response = client.get(URL, **basic(user.username))  # right password, too late
    assert response.status_code == 429
    assert "too many failed sign-ins" in response.json()["detail"]


def test_browser_session_works_with_csrf(user) -> None:
    client = login_verified(Client(enforce_csrf_checks=True), user)
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    client.get("/manage/account/tokens/")
    csrf = client.cookies["csrftoken"].value
    response = client.post(
        URL, {"name": "x"}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert response.status_code == 403
    assert "re-enter your password" in response.json()["detail"]
    assert not Token.objects.exists()

    mark_reauthenticated(client)
    response = client.post(
        URL, {"name": "x"}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert response.status_code == 201
