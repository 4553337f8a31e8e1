"""Every limiter of core.limits, tripped through its real entry point: 429 with Retry-After.

Each test shrinks one limit in settings.RATE_LIMITS (the same setting operators use) and
checks the refusal, its Retry-After and that the message says what to do.
"""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings

from tests.accounts.conftest import signup_data
from tests.api.conftest import basic, current_code
from tests.factories import PASSWORD, PublisherFactory, UserFactory
from tests.packages.conftest import basic_auth
from tests.publishing.conftest import issuer, mint  # noqa: F401 - the fake OIDC issuer fixture
from tests.recovery.helpers import form_data

pytestmark = pytest.mark.django_db

LIMITERS = set(django_settings.RATE_LIMITS)


def limit(settings, name: str, rule: str) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, name: rule}


def assert_limited(response, window: int) -> None:
    assert response.status_code == 429, response.content[:500]
    assert 0 < int(response["Retry-After"]) <= window


def sign_in(client, login, password="wrong guess", **extra):
    return client.post("/accounts/login/", {"login": login, "password": password}, **extra)


def test_sign_in_ip(client, settings):
    limit(settings, "sign_in_ip", "2/60")
    for n in range(2):
        sign_in(client, f"nobody{n}")
    response = sign_in(client, "nobody-else")
    assert_limited(response, 60)
    assert "and try again, or reset your password" in response.content.decode()


def test_sign_in_account(client, settings, user):
    limit(settings, "sign_in_account", "2/300")
    for n in range(2):
        sign_in(client, user.username, REMOTE_ADDR=f"203.0.113.{n}")
    response = sign_in(client, user.email, PASSWORD, REMOTE_ADDR="198.51.100.1")
    assert_limited(response, 300)
    assert "_auth_user_id" not in client.session


def test_second_factor_account(client, settings):
    limit(settings, "second_factor_account", "1/300")
    olga = UserFactory(verified=True, with_totp=True)
    wrong = "000000" if current_code(olga) != "000000" else "111111"
    assert client.get("/api/v1/account/", **basic(olga.username, otp=wrong)).status_code == 401
    response = client.get("/api/v1/account/", **basic(olga.username, otp=current_code(olga)))
    assert_limited(response, 300)
    assert "Too many wrong second-factor attempts" in response.json()["detail"]


def test_upload_auth_ip(client, settings, user):
    limit(settings, "upload_auth_ip", "1/300")
    client.post("/legacy/", {}, HTTP_AUTHORIZATION=basic_auth("ghost", "x"))
    response = client.post("/legacy/", {}, HTTP_AUTHORIZATION=basic_auth(user.username))
    assert_limited(response, 300)
    assert "too many failed sign-ins for uploads" in response.reason_phrase


def test_upload_auth_account(client, settings, user):
    limit(settings, "upload_auth_account", "1/300")
    client.post(
        "/legacy/", {}, HTTP_AUTHORIZATION=basic_auth(user.username, "x"), REMOTE_ADDR="10.0.0.1"
    )
    response = client.post(
        "/legacy/", {}, HTTP_AUTHORIZATION=basic_auth(user.email), REMOTE_ADDR="10.0.0.2"
    )
    assert_limited(response, 300)
    assert "use an API token" in response.reason_phrase


def test_api_auth_ip(client, settings, user):
    limit(settings, "api_auth_ip", "1/300")
    client.get("/api/v1/account/", **basic("ghost", "x"))
    response = client.get("/api/v1/account/", **basic(user.username))
    assert_limited(response, 300)
    assert "too many failed sign-ins to the API" in response.json()["detail"]


def test_api_auth_account(client, settings, user):
    limit(settings, "api_auth_account", "1/300")
    client.get("/api/v1/account/", REMOTE_ADDR="10.0.0.1", **basic(user.username, "x"))
    response = client.get("/api/v1/account/", REMOTE_ADDR="10.0.0.2", **basic(user.username))
    assert_limited(response, 300)


def test_signup_ip(client, settings):
    limit(settings, "signup_ip", "1/3600")
    client.post("/accounts/signup/", signup_data(username="first", agree_terms=None))
    response = client.post("/accounts/signup/", signup_data())
    assert_limited(response, 3600)
    assert "and try again" in response.content.decode()


def test_reset_ip(client, settings):
    limit(settings, "reset_ip", "1/60")
    client.post("/accounts/password/reset/", {"email": "a@example.com"})
    response = client.post("/accounts/password/reset/", {"email": "b@example.com"})
    assert_limited(response, 60)


def test_reset_address(client, settings, user):
    limit(settings, "reset_address", "1/300")
    client.post("/accounts/password/reset/", {"email": user.email}, REMOTE_ADDR="10.0.0.1")
    response = client.post(
        "/accounts/password/reset/", {"email": user.email.upper()}, REMOTE_ADDR="10.0.0.2"
    )
    assert_limited(response, 300)


def test_recovery_ip(client, settings):
    limit(settings, "recovery_ip", "1/3600")
    client.post("/recovery/", form_data(account="someone"))
    response = client.post("/recovery/", form_data(account="someone-else"))
    assert_limited(response, 3600)
    assert "Wait an hour and try again" in response.content.decode()


def test_recovery_account(client, settings):
    limit(settings, "recovery_account", "1/86400")
    client.post("/recovery/", form_data(account="dag"), REMOTE_ADDR="10.0.0.1")
    response = client.post("/recovery/", form_data(account="DAG"), REMOTE_ADDR="10.0.0.2")
    assert_limited(response, 86400)


def test_email_resend_user(client, settings, mailoutbox):
    from tests.conftest import mark_reauthenticated

    limit(settings, "email_resend_user", "1/180")
    user = UserFactory(unverified=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    mark_reauthenticated(client)
    first = client.post("/accounts/email/", {"email": user.email, "action_send": ""})
    assert first.status_code == 302
    response = client.post("/accounts/email/", {"email": user.email, "action_send": ""})
    assert_limited(response, 180)
    assert "check your inbox" in response.content.decode()
    assert len(mailoutbox) == 1


def _github_publisher(issuer):  # noqa: F811 - the fixture's value
    return PublisherFactory(issuer=issuer.url("github"))


def test_oidc_mint_ip(client, settings, issuer):  # noqa: F811
    limit(settings, "oidc_mint_ip", "2/60")
    _github_publisher(issuer)
    for _ in range(2):
        mint(client, "junk")
    response = mint(client, issuer.sign(issuer.github_claims()))
    assert_limited(response, 60)
    assert "wait a minute" in response.json()["message"]


def test_oidc_mint_publisher(client, settings, issuer):  # noqa: F811
    limit(settings, "oidc_mint_publisher", "2/60")
    _github_publisher(issuer)
    for n in range(2):
        ok = mint(client, issuer.sign(issuer.github_claims()), REMOTE_ADDR=f"203.0.113.{n}")
        assert ok.status_code == 200
    response = mint(client, issuer.sign(issuer.github_claims()), REMOTE_ADDR="198.51.100.1")
    assert_limited(response, 60)
    assert "for this trusted publisher: wait a minute" in response.json()["message"]


def test_publisher_add_user(client, settings, issuer):  # noqa: F811
    from tests.conftest import mark_reauthenticated

    limit(settings, "publisher_add_user", "1/3600")
    client.force_login(
        UserFactory(verified=True), backend="django.contrib.auth.backends.ModelBackend"
    )
    mark_reauthenticated(client)
    url = "/api/v1/projects/brand-new/publishers/"
    body = {"kind": "github", "owner": "example", "repository": "app", "workflow": "a.yml"}
    assert client.post(url, body, content_type="application/json").status_code == 201
    response = client.post(url, {**body, "workflow": "b.yml"}, content_type="application/json")
    assert_limited(response, 3600)
    assert "wait an hour and try again" in response.json()["detail"]


def test_every_limiter_has_a_test_here():
    missing = {name for name in LIMITERS if f"test_{name}" not in globals()}
    assert not missing, f"add a test_<name> for: {sorted(missing)}"
