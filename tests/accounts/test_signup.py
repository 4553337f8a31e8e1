from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client

from accounts.models import AccountEvent, User
from tests.accounts.conftest import signup_data
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_signup_page_shows_labelled_fields_and_terms_link(client):
    response = client.get("/accounts/signup/")
    assert response.status_code == 200
    html = response.content.decode()
    for label in ("Username", "Email", "Password", "I agree to the terms of service"):
        assert label in html
    assert 'href="/terms/"' in html
    assert html.index('name="password2"') < html.index('name="agree_terms"')


def test_terms_page_shows_the_current_version(client):
    response = client.get("/terms/")
    assert response.status_code == 200
    assert settings.TERMS_VERSION in response.content.decode()


def test_signup_with_terms_creates_unverified_account_and_sends_verification(client, mailoutbox):
    response = client.post("/accounts/signup/", signup_data())

    assert response.status_code == 302
    user = User.objects.get(username="Alice")
    assert user.terms_version == settings.TERMS_VERSION
    assert user.terms_agreed_at is not None
    assert user.check_password(signup_data()["password1"])
    assert user.password.startswith("argon2")
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.primary, address.verified) == ("alice@example.com", True, False)
    assert [m.to for m in mailoutbox] == [["alice@example.com"]]
    assert "/accounts/confirm-email/" in mailoutbox[0].body
    tags = set(AccountEvent.objects.filter(user=user).values_list("tag", flat=True))
    assert tags == {"account:account:created"}
    # Not signed in yet: the answer must not differ from the one for a taken address.
    assert response["Location"] == "/accounts/confirm-email/"


def test_signup_without_terms_is_refused_with_the_reason(client, mailoutbox):
    response = client.post("/accounts/signup/", signup_data(agree_terms=None))

    assert response.status_code == 200
    assert "You must agree to the terms of service to sign up." in response.content.decode()
    assert not User.objects.exists()
    assert mailoutbox == []


@pytest.mark.parametrize("taken", ["alice", "ALICE", "Alice"])
def test_signup_username_is_unique_regardless_of_case(client, taken):
    UserFactory(username="Alice", email="first@example.com", verified=True)

    response = client.post(
        "/accounts/signup/", signup_data(username=taken, email="second@example.com")
    )

    assert response.status_code == 200
    assert "That username is taken. Choose another one." in response.content.decode()
    assert User.objects.count() == 1


@pytest.mark.parametrize("username", ["-alice", "alice_", "al ice", "al/ice", "ålice", "a" * 51])
def test_signup_refuses_usernames_pypi_would_refuse(client, username):
    response = client.post("/accounts/signup/", signup_data(username=username))

    assert response.status_code == 200
    assert not User.objects.exists()
    assert b"errorlist" in response.content


def test_signup_refuses_common_and_similar_passwords(client):
    common = client.post(
        "/accounts/signup/", signup_data(password1="password123", password2="password123")
    )
    similar = client.post(
        "/accounts/signup/",
        signup_data(username="lighthouse", password1="lighthouse1", password2="lighthouse1"),
    )

    assert "This password is too common." in common.content.decode()
    assert "too similar to the username" in similar.content.decode()
    assert not User.objects.exists()


def test_signup_with_a_taken_address_answers_as_for_a_new_one_and_mails_its_owner(
    client, mailoutbox
):
    """Issue 14 #5: the answer said "A user is already registered with this email address"."""
    UserFactory(username="alice-old", email="alice@example.com", verified=True)

    taken = client.post("/accounts/signup/", signup_data(email="Alice@Example.com"))
    fresh = Client().post("/accounts/signup/", signup_data(username="bob", email="bob@example.com"))

    assert (taken.status_code, taken["Location"]) == (fresh.status_code, fresh["Location"])
    assert taken["Location"] == "/accounts/confirm-email/"
    page = client.get(taken["Location"]).content.decode()
    assert "already" not in page
    assert User.objects.filter(username="Alice").count() == 0
    [owner_mail, bob_mail] = mailoutbox
    assert owner_mail.to == ["alice@example.com"]
    assert "already exists" in owner_mail.body and "/accounts/password/reset/" in owner_mail.body
    assert bob_mail.to == ["bob@example.com"] and "/accounts/confirm-email/" in bob_mail.body


def test_signup_refuses_an_absurdly_long_password(client):
    long_password = "correct horse " * 300

    response = client.post(
        "/accounts/signup/", signup_data(password1=long_password, password2=long_password)
    )

    assert "Use a password of at most 4096 characters." in response.content.decode()
    assert not User.objects.exists()


def test_signups_from_one_address_are_rate_limited(client):
    # RATE_LIMITS["signup_ip"] = 10/3600: every POST counts, valid or not.
    for number in range(10):
        response = client.post(
            "/accounts/signup/", signup_data(username=f"u{number}", agree_terms=None)
        )
        assert response.status_code == 200

    limited = client.post("/accounts/signup/", signup_data())

    assert limited.status_code == 429
    assert 3500 < int(limited["Retry-After"]) <= 3600
    assert "wait 60 minutes and try again" in limited.content.decode()
    assert not User.objects.exists()
