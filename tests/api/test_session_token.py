"""Scripts on two-factor accounts: password + X-OTP once, then an API access token (Bearer)."""

from __future__ import annotations

import base64
import time
from datetime import timedelta

import pyotp
import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccountEvent
from tests.api.conftest import basic, current_code
from tests.factories import PASSWORD, UserFactory
from tokens.models import AccessToken

pytestmark = pytest.mark.django_db

MINT = "/api/v1/auth/session-token/"


@pytest.fixture
def olga(db):
    return UserFactory(username="olga", verified=True, with_totp=True)


def mint(client, user, otp: str | None = None):
    code = current_code(user) if otp is None else otp
    return client.post(MINT, **basic(user.username, otp=code))


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_a_script_signs_in_once_then_makes_twenty_calls(client, olga):
    response = mint(client, olga)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["token"].startswith("wharf-access-")
    assert body["expires"] - timezone.now().timestamp() == pytest.approx(3600, abs=5)
    assert response["Cache-Control"] == "no-store"

    for n in range(20):
        answer = client.get(
            "/api/v1/account/" if n % 2 else "/api/v1/tokens/", **bearer(body["token"])
        )
        assert answer.status_code == 200, (n, answer.content)
    created = client.post(
        "/api/v1/tokens/",
        {"name": "CI"},
        content_type="application/json",
        **bearer(body["token"]),
    )
    assert created.status_code == 201
    token = AccessToken.objects.get()
    assert token.last_used_at is not None
    assert AccountEvent.objects.filter(user=olga, tag="account:access_token:created").exists()


def test_the_same_code_twice_is_already_used(client, olga):
    code = current_code(olga)
    assert mint(client, olga, code).status_code == 201
    again = mint(client, olga, code)
    assert again.status_code == 401
    assert "already used" in again.json()["detail"]
    assert "access token" in again.json()["detail"]


def test_a_recovery_code_in_x_otp_is_named(client, olga):
    refused = mint(client, olga, "abcd-ef01-2345-6789")
    assert refused.status_code == 401
    assert "is a recovery code" in refused.json()["detail"]
    assert "6-digit code from your authenticator app" in refused.json()["detail"]


def test_a_wrong_code_says_wrong(client, olga):
    refused = mint(client, olga, "000000" if current_code(olga) != "000000" else "111111")
    assert refused.status_code == 401
    assert "wrong or expired" in refused.json()["detail"]


def test_without_a_password_no_access_token(client, olga):
    raw = mint(client, olga).json()["token"]
    refused = client.post(MINT, **bearer(raw))
    assert refused.status_code == 401
    assert "HTTP Basic" in refused.json()["detail"]
    assert AccessToken.objects.count() == 1


def test_the_access_token_never_uploads(client, olga):
    raw = mint(client, olga).json()["token"]
    auth = base64.b64encode(f"__token__:{raw}".encode()).decode()
    refused = client.post(
        "/legacy/", {":action": "file_upload"}, HTTP_AUTHORIZATION=f"Basic {auth}"
    )
    assert refused.status_code == 403
    assert "never uploads" in refused.reason_phrase
    assert "__token__ and an API token" in refused.reason_phrase


def test_a_revoked_access_token_is_refused(client, olga):
    body = mint(client, olga).json()
    assert client.delete(f"/api/v1/auth/session-tokens/{body['id']}/", **bearer(body["token"]))
    refused = client.get("/api/v1/account/", **bearer(body["token"]))
    assert refused.status_code == 401
    assert "was revoked" in refused.json()["detail"]
    assert "POST /api/v1/auth/session-token/" in refused.json()["detail"]


def test_an_expired_access_token_is_refused(client, olga):
    body = mint(client, olga).json()
    AccessToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    refused = client.get("/api/v1/account/", **bearer(body["token"]))
    assert refused.status_code == 401
    assert "expired" in refused.json()["detail"]


def test_a_password_change_ends_access_tokens(client, olga):
    from tests.conftest import login_verified, mark_reauthenticated

    body = mint(client, olga).json()
    browser = mark_reauthenticated(login_verified(client.__class__(), olga))
    changed = browser.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "a fresh long passphrase 7",
            "password2": "a fresh long passphrase 7",
        },
    )
    assert changed.status_code == 302
    refused = client.get("/api/v1/account/", **bearer(body["token"]))
    assert refused.status_code == 401
    assert "password changed" in refused.json()["detail"]


def test_someone_elses_access_token_cannot_be_revoked(client, olga):
    mine = mint(client, olga).json()
    other = UserFactory(verified=True, with_totp=True)
    theirs = mint(client, other).json()
    refused = client.delete(f"/api/v1/auth/session-tokens/{theirs['id']}/", **bearer(mine["token"]))
    assert refused.status_code == 404
    assert AccessToken.objects.get(pk=theirs["id"]).revoked_at is None


def test_role_changes_need_a_fresh_access_token(client, olga, settings):
    from packages.models import Project, Role

    project = Project.objects.create(name="demo", normalized_name="demo")
    Role.objects.create(project=project, user=olga, role="Owner")
    invitee = UserFactory(verified=True)
    body = mint(client, olga).json()
    AccessToken.objects.update(
        created=timezone.now() - timedelta(seconds=settings.REAUTH_MAX_AGE + 5)
    )
    refused = client.post(
        "/api/v1/projects/demo/roles/",
        {"username": invitee.username, "role": "Maintainer"},
        content_type="application/json",
        **bearer(body["token"]),
    )
    assert refused.status_code == 403
    assert "confirm it's you first" in refused.json()["detail"]
    # A new access token needs a code of another time step: the last one was used.
    device = TOTPDevice.objects.get(user=olga)
    next_code = pyotp.parse_uri(device.config_url).at(time.time() + 30)
    fresh = mint(client, olga, next_code).json()
    accepted = client.post(
        "/api/v1/projects/demo/roles/",
        {"username": invitee.username, "role": "Maintainer"},
        content_type="application/json",
        **bearer(fresh["token"]),
    )
    assert accepted.status_code == 201, accepted.content


def test_a_security_key_account_mints_with_an_assertion(client):
    from tests.accounts.test_webauthn import register
    from tests.conftest import mark_reauthenticated
    from tests.softwebauthn import SoftAuthenticator

    user = UserFactory(verified=True)
    browser = client.__class__()
    browser.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    key = SoftAuthenticator()
    assert register(mark_reauthenticated(browser), key).status_code == 200

    # X-OTP cannot carry a key: the refusal says how to get a token instead.
    refused = client.get("/api/v1/account/", **basic(user.username, otp="123456"))
    assert refused.status_code == 401
    assert "session-token/webauthn/begin/" in refused.json()["detail"]
    no_assertion = client.post(MINT, {}, content_type="application/json", **basic(user.username))
    assert no_assertion.status_code == 401
    assert "sign with a security key" in no_assertion.json()["detail"]

    options = client.post(MINT + "webauthn/begin/", **basic(user.username))
    assert options.status_code == 200, options.content
    minted = client.post(
        MINT,
        {"webauthn": key.get(options.json())},
        content_type="application/json",
        **basic(user.username),
    )
    assert minted.status_code == 201, minted.content
    assert AccessToken.objects.get().second_factor == "webauthn"
    assert client.get("/api/v1/account/", **bearer(minted.json()["token"])).status_code == 200

    # The challenge was single-use: the same assertion again is refused.
    replay = client.post(
        MINT,
        {"webauthn": key.get(options.json())},
        content_type="application/json",
        **basic(user.username),
    )
    assert replay.status_code == 401
    assert "start again" in replay.json()["detail"]
