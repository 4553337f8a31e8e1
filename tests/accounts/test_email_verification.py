from __future__ import annotations

import time

import pytest
from allauth.account.models import EmailAddress

from accounts.models import AccountEvent
from tests.accounts.conftest import link_in, signup_data

pytestmark = pytest.mark.django_db

CONFIRM = "/accounts/confirm-email/"


def test_verification_link_verifies_the_address(signed_up):
    client, mail = signed_up
    link = link_in(mail, CONFIRM)

    page = client.get(link)
    assert page.status_code == 200
    assert b"alice@example.com" in page.content
    response = client.post(link)

    assert response.status_code == 302
    address = EmailAddress.objects.get(email="alice@example.com")
    assert address.verified
    assert address.user.has_verified_email
    event = AccountEvent.objects.get(tag="account:email:verified")
    assert event.details == {"email": "alice@example.com"}
    assert event.ip_address == "127.0.0.1"


def test_verification_link_works_without_being_signed_in(signed_up):
    client, mail = signed_up
    client.logout()

    response = client.post(link_in(mail, CONFIRM))

    assert response.status_code == 302
    assert EmailAddress.objects.get(email="alice@example.com").verified


def test_verification_link_used_twice_is_refused_the_second_time(signed_up):
    client, mail = signed_up
    link = link_in(mail, CONFIRM)
    client.post(link)

    again = client.post(link)

    assert again.status_code == 404
    assert "expired or is invalid" in again.content.decode()
    assert "issue a new email confirmation request" in again.content.decode()
    assert AccountEvent.objects.filter(tag="account:email:verified").count() == 1


def test_verification_link_expires_after_three_days(client, mailoutbox, monkeypatch):
    three_days_and_a_minute_ago = time.time() - 3 * 86400 - 60
    # The link is signed with its creation time: sign it as if the signup happened then.
    monkeypatch.setattr("django.core.signing.time.time", lambda: three_days_and_a_minute_ago)
    client.post("/accounts/signup/", signup_data())
    monkeypatch.undo()

    response = client.post(link_in(mailoutbox[0], CONFIRM))

    assert response.status_code == 404
    assert "expired or is invalid" in response.content.decode()
    assert not EmailAddress.objects.get(email="alice@example.com").verified


@pytest.mark.parametrize("tamper", ["flip_last", "other_address", "garbage"])
def test_tampered_verification_link_is_refused(signed_up, tamper):
    client, mail = signed_up
    link = link_in(mail, CONFIRM)
    key = link.removeprefix(CONFIRM).strip("/")
    other = EmailAddress.objects.create(user=EmailAddress.objects.get().user, email="b@example.com")
    if tamper == "flip_last":
        key = key[:-1] + ("A" if key[-1] != "A" else "B")
    elif tamper == "other_address":
        # Swap in the other address's id but keep the signature: the signature no longer fits.
        key = key.replace(key.split(":")[0], str(other.pk), 1)
    else:
        key = "not-a-key"

    response = client.post(f"{CONFIRM}{key}/")

    assert response.status_code == 404
    assert "expired or is invalid" in response.content.decode()
    assert not EmailAddress.objects.filter(verified=True).exists()


def test_unverified_user_sees_what_is_blocked_and_can_resend(signed_up, mailoutbox):
    client, _ = signed_up

    page = client.get("/manage/account/")
    html = page.content.decode()
    assert "Your email address is not verified." in html
    assert "you cannot publish packages" in html
    assert "Resend the verification link" in html

    # The confirm_email limit allows one mail per address every 3 minutes: let it pass.
    from django.core.cache import cache

    cache.clear()
    response = client.post(
        "/accounts/email/", {"email": "alice@example.com", "action_send": ""}, follow=True
    )
    assert response.status_code == 200
    assert len(mailoutbox) == 2
    assert mailoutbox[1].to == ["alice@example.com"]
    assert CONFIRM in mailoutbox[1].body


def test_resending_too_soon_is_limited(signed_up, mailoutbox):
    client, _ = signed_up

    client.post("/accounts/email/", {"email": "alice@example.com", "action_send": ""})

    assert len(mailoutbox) == 1


def test_sign_in_while_unverified_is_allowed_with_a_warning(client, mailoutbox):
    from tests.factories import PASSWORD, UserFactory

    user = UserFactory(unverified=True)

    response = client.post(
        "/accounts/login/", {"login": user.username, "password": PASSWORD}, follow=True
    )

    assert response.status_code == 200
    assert response.wsgi_request.user == user
    assert "you cannot publish packages" in response.content.decode()


def test_verified_user_sees_no_banner(user_client):
    html = user_client.get("/manage/account/").content.decode()
    assert "not verified" not in html
