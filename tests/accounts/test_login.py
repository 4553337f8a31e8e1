from __future__ import annotations

import re
import time

import pyotp
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccountEvent, User
from tests.factories import PASSWORD, EmailAddressFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
THROTTLED = "Too many failed sign-in attempts for this account."
WRONG = "The username or email address and the password do not match."


def sign_in(client, login: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN, {"login": login, "password": password}, **extra)


def signed_in_user(response) -> User | None:
    user = response.wsgi_request.user
    return user if user.is_authenticated else None


def test_login_page_has_labelled_fields_and_links(client):
    html = client.get(LOGIN).content.decode()
    assert '<label for="id_login">Username or email</label>' in html
    assert '<label for="id_password">' in html
    assert "/accounts/signup/" in html
    assert "/accounts/password/reset/" in html


@pytest.mark.parametrize("login", ["user-one", "USER-ONE", "one@example.com", "ONE@Example.com"])
def test_login_by_username_or_email_in_any_case(client, login):
    user = UserFactory(username="user-one", email="one@example.com", verified=True)

    response = sign_in(client, login, HTTP_USER_AGENT="pytest-browser/1.0")

    assert response.status_code == 302
    assert response["Location"] == "/manage/account/"
    assert client.get("/manage/account/").wsgi_request.user == user
    event = AccountEvent.objects.get(user=user, tag="account:login:success")
    assert event.details == {
        "factor": None,
        "method": "password",
        "login_by": "email" if "@" in login else "username",
    }
    assert event.ip_address == "127.0.0.1"
    assert event.user_agent == "pytest-browser/1.0"


def test_wrong_password_is_refused_and_recorded_on_the_account(client, user):
    response = sign_in(client, user.username, "not the password")

    assert response.status_code == 200
    assert WRONG in response.content.decode()
    assert signed_in_user(response) is None
    event = AccountEvent.objects.get(user=user)
    assert (event.tag, event.details) == ("account:login:failure", {"login_by": "username"})


def test_wrong_password_by_email_is_recorded_on_the_account(client, user):
    sign_in(client, user.email.upper(), "not the password")

    event = AccountEvent.objects.get(user=user)
    assert (event.tag, event.details) == ("account:login:failure", {"login_by": "email"})


def test_unknown_login_creates_nothing(client, user):
    response = sign_in(client, "nobody-here", "whatever")
    sign_in(client, "nobody@example.com", "whatever")

    assert WRONG in response.content.decode()
    assert not AccountEvent.objects.exists()
    assert User.objects.count() == 1


def test_inactive_account_cannot_sign_in(client):
    user = UserFactory(verified=True, is_active=False)

    response = sign_in(client, user.username, follow=True)

    assert signed_in_user(response) is None
    assert "inactive" in response.content.decode().lower()


def test_logout_needs_a_post_and_ends_the_session(user_client):
    page = user_client.get("/accounts/logout/")
    assert page.status_code == 200
    assert signed_in_user(page) is not None

    response = user_client.post("/accounts/logout/")

    assert response.status_code == 302
    assert signed_in_user(user_client.get("/")) is None


def test_failed_logins_are_throttled_per_account_then_allowed_again(client, user, settings):
    # Five failures per account (RATE_LIMITS["sign_in_account"]), counted together whether
    # the attacker names the account by username or by email. A short window for the test.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sign_in_account": "5/2"}
    for login in [user.username, user.email, user.username.upper(), user.email, user.username]:
        assert WRONG in sign_in(client, login, "wrong guess").content.decode()

    blocked = sign_in(client, user.username, PASSWORD)

    assert blocked.status_code == 429
    assert 1 <= int(blocked["Retry-After"]) <= 2
    html = blocked.content.decode()
    assert THROTTLED in html
    assert re.search(r"Wait \d+ seconds? and try again, or reset your password\.", html)
    assert signed_in_user(blocked) is None
    assert THROTTLED in sign_in(client, user.email, PASSWORD).content.decode()

    # Once the window has passed the owner gets in.
    time.sleep(2.1)
    allowed = sign_in(client, user.username, PASSWORD)

    assert allowed.status_code == 302
    assert signed_in_user(client.get("/manage/account/")) == user


def test_a_successful_sign_in_resets_the_account_failure_count(client, user):
    for _ in range(4):
        sign_in(client, user.username, "wrong guess")
    assert sign_in(client, user.username, PASSWORD).status_code == 302
    client.post("/accounts/logout/")

    for _ in range(4):  # four more would be nine in the window without the reset
        assert WRONG in sign_in(client, user.username, "wrong guess").content.decode()
    assert sign_in(client, user.username, PASSWORD).status_code == 302


def test_throttling_one_account_leaves_others_alone(client, user):
    other = UserFactory(verified=True)
    for _ in range(5):
        sign_in(client, user.username, "wrong guess")

    response = sign_in(client, other.username)

    assert response.status_code == 302


def test_password_reset_lifts_the_sign_in_throttle(client, user, mailoutbox):
    from tests.accounts.conftest import NEW_PASSWORD, link_in

    for _ in range(5):
        sign_in(client, user.username, "wrong guess")
    assert THROTTLED in sign_in(client, user.username).content.decode()

    client.post("/accounts/password/reset/", {"email": user.email})
    key_page = client.get(link_in(mailoutbox[-1], "/accounts/password/reset/key/"), follow=True)
    client.post(
        key_page.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    response = sign_in(client, user.username, NEW_PASSWORD)
    assert response.status_code == 302


def test_behind_a_proxy_the_forwarded_client_address_is_recorded_and_limited(
    client, user, settings
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}

    sign_in(client, user.username, "wrong", HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy)
    sign_in(client, user.username, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)

    addresses = dict(AccountEvent.objects.values_list("tag", "ip_address"))
    assert addresses == {
        "account:login:failure": "203.0.113.9",
        "account:login:success": "198.51.100.7",
    }


def test_failure_by_email_counts_against_the_verified_owner(client, user):
    squatter = UserFactory(verified=True)
    EmailAddressFactory(user=squatter, email=user.email.upper(), verified=False)

    sign_in(client, user.email, "wrong")

    assert AccountEvent.objects.get(tag="account:login:failure").user == user


def test_sign_in_with_a_second_factor_records_method_and_factor(client):
    user = UserFactory(verified=True, with_totp=True)
    sign_in(client, user.email)
    code = pyotp.parse_uri(TOTPDevice.objects.get(user=user).config_url).now()
    client.post("/accounts/two-factor/", {"method": "totp", "code": code})

    event = AccountEvent.objects.get(user=user, tag="account:login:success")
    assert event.details == {"factor": "totp", "method": "password", "login_by": "email"}
