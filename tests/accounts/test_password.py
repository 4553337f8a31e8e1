from __future__ import annotations

import pytest
from django.core.cache import cache

from accounts.models import AccountEvent
from tests.accounts.conftest import NEW_PASSWORD, link_in
from tests.factories import PASSWORD, EmailAddressFactory, UserFactory

pytestmark = pytest.mark.django_db

RESET = "/accounts/password/reset/"
RESET_DONE = "/accounts/password/reset/done/"
KEY_LINK = "/accounts/password/reset/key/"
CHANGE = "/accounts/password/change/"


def reset_page_after(client, email: str):
    response = client.post(RESET, {"email": email})
    assert response.status_code == 302
    assert response["Location"] == RESET_DONE
    return client.get(RESET_DONE).content.decode()


# --- Change -----------------------------------------------------------------------------


def test_password_change_records_event_and_tells_every_verified_address(
    reauthed_user_client, user, mailoutbox
):
    EmailAddressFactory(user=user, email="second@example.com", verified=True)
    EmailAddressFactory(user=user, email="unverified@example.com", verified=False)

    response = reauthed_user_client.post(
        CHANGE, {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AccountEvent.objects.filter(user=user, tag="account:password:changed").count() == 1
    assert sorted(m.to[0] for m in mailoutbox) == sorted([user.email, "second@example.com"])
    assert all("Your password has been changed." in m.body for m in mailoutbox)
    assert "IP address: 127.0.0.1" in mailoutbox[0].body
    # Still signed in: the session survives its own password change.
    assert reauthed_user_client.get("/manage/account/").status_code == 200


def test_password_change_with_wrong_current_password_is_refused(reauthed_user_client, user):
    response = reauthed_user_client.post(
        CHANGE, {"oldpassword": "wrong", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    assert response.status_code == 200
    assert "Please type your current password." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not AccountEvent.objects.filter(tag="account:password:changed").exists()


def test_password_change_refuses_mismatch_and_weak_passwords(reauthed_user_client):
    mismatch = reauthed_user_client.post(
        CHANGE, {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": "other thing 1"}
    )
    weak = reauthed_user_client.post(
        CHANGE, {"oldpassword": PASSWORD, "password1": "12345678901", "password2": "12345678901"}
    )

    assert "You must type the same password each time." in mismatch.content.decode()
    assert "This password is too common." in weak.content.decode()


# --- Reset ------------------------------------------------------------------------------


def test_reset_page_explains_verified_only_and_points_to_recovery(client):
    html = client.get(RESET).content.decode()
    assert "only to verified addresses" in html
    assert 'href="/recovery/"' in html


def test_reset_to_verified_address_sends_link_that_sets_new_password(client, user, mailoutbox):
    reset_page_after(client, user.email.upper())

    assert [m.to for m in mailoutbox] == [[user.email]]
    link = link_in(mailoutbox[0], KEY_LINK)
    assert mailoutbox[0].body.count("http://localhost:8000") >= 1

    form = client.get(link, follow=True)
    assert form.status_code == 200
    set_password_url = form.redirect_chain[-1][0]
    response = client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AccountEvent.objects.filter(user=user, tag="account:password:reset").count() == 1
    notice = mailoutbox[-1]
    assert notice.to == [user.email]
    assert "Your password has been reset." in notice.body
    # The link works once.
    again = client.get(link, follow=True)
    assert "The password reset link was invalid" in again.content.decode()


def test_reset_to_verified_second_address_goes_only_there(client, mailoutbox):
    user = UserFactory(unverified=True)
    EmailAddressFactory(user=user, email="backup@example.com", verified=True)

    reset_page_after(client, "backup@example.com")

    assert [m.to for m in mailoutbox] == [["backup@example.com"]]
    assert KEY_LINK in mailoutbox[0].body


def test_reset_for_unverified_only_account_sends_no_link_but_the_recovery_pointer(
    client, mailoutbox
):
    user = UserFactory(unverified=True)

    reset_page_after(client, user.email)

    assert [m.to for m in mailoutbox] == [[user.email]]
    body = mailoutbox[0].body
    assert KEY_LINK not in body
    assert "has never been verified" in body
    assert "http://localhost:8000/recovery/" in body
    assert mailoutbox[0].subject == "[Wharf] Password reset is not possible through this address"


def test_reset_for_unverified_second_address_sends_no_link(client, user, mailoutbox):
    EmailAddressFactory(user=user, email="new@example.com", verified=False)

    reset_page_after(client, "new@example.com")

    assert [m.to for m in mailoutbox] == [["new@example.com"]]
    assert KEY_LINK not in mailoutbox[0].body
    assert "/recovery/" in mailoutbox[0].body


def test_reset_pages_are_identical_for_verified_unverified_and_unknown(client, mailoutbox):
    verified = UserFactory(verified=True)
    unverified = UserFactory(unverified=True)

    pages = [
        reset_page_after(client, email)
        for email in (verified.email, unverified.email, "stranger@example.com")
    ]

    assert pages[0] == pages[1] == pages[2]
    assert "only to verified addresses" in pages[0]
    assert 'href="/recovery/"' in pages[0]
    # Each address got one mail: a link, the recovery pointer, and "no account here".
    assert [m.to[0] for m in mailoutbox] == [
        verified.email,
        unverified.email,
        "stranger@example.com",
    ]
    assert KEY_LINK in mailoutbox[0].body
    assert KEY_LINK not in mailoutbox[1].body
    assert "No Wharf account uses this address" in mailoutbox[2].body


def test_reset_requests_are_rate_limited_per_address(client, user, mailoutbox):
    for _ in range(5):
        assert client.post(RESET, {"email": user.email}).status_code == 302

    limited = client.post(RESET, {"email": user.email})

    assert limited.status_code == 429
    assert 0 < int(limited["Retry-After"]) <= 300
    assert "wait 5 minutes and try again" in limited.content.decode()
    assert len(mailoutbox) == 5
    cache.clear()
    assert client.post(RESET, {"email": user.email}).status_code == 302


def test_reset_link_tampered_is_refused_with_a_way_forward(client, user, mailoutbox):
    client.post(RESET, {"email": user.email})
    link = link_in(mailoutbox[0], KEY_LINK)

    response = client.get(link[:-3] + "abc/", follow=True)

    assert "The password reset link was invalid" in response.content.decode()
    assert "new password reset" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
