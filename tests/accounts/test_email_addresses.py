from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress

from accounts.models import AccountEvent
from tests.accounts.conftest import link_in
from tests.factories import EmailAddressFactory

pytestmark = pytest.mark.django_db

EMAIL = "/accounts/email/"


def tags(user) -> list[str]:
    return list(AccountEvent.objects.filter(user=user).values_list("tag", flat=True))


def test_email_page_lists_addresses_with_their_state(user_client, user):
    EmailAddressFactory(user=user, email="pending@example.com", verified=False)

    html = user_client.get(EMAIL).content.decode()

    assert user.email in html
    assert "pending@example.com" in html
    assert "Verified" in html and "Unverified" in html and "Primary" in html


def test_adding_an_address_records_it_and_tells_the_verified_addresses(
    reauthed_user_client, user, mailoutbox
):
    response = reauthed_user_client.post(
        EMAIL, {"email": "new@example.com", "action_add": ""}, HTTP_USER_AGENT="pytest/1"
    )

    assert response.status_code == 302
    address = EmailAddress.objects.get(email="new@example.com")
    assert (address.user, address.verified, address.primary) == (user, False, False)
    event = AccountEvent.objects.get(user=user, tag="account:email:added")
    assert event.details == {"email": "new@example.com"}
    by_recipient = {m.to[0]: m for m in mailoutbox}
    assert set(by_recipient) == {user.email, "new@example.com"}
    notice = by_recipient[user.email]
    assert notice.subject == "[Wharf] An email address was added to your account"
    assert "new@example.com" in notice.body and "pytest/1" in notice.body
    # The new address gets the verification link, and verifying it is recorded.
    reauthed_user_client.post(link_in(by_recipient["new@example.com"], "/accounts/confirm-email/"))
    address.refresh_from_db()
    assert address.verified
    assert "account:email:verified" in tags(user)


def test_removing_an_address_records_it_and_tells_the_remaining_verified_ones(
    reauthed_user_client, user, mailoutbox
):
    EmailAddressFactory(user=user, email="old@example.com", verified=True)

    response = reauthed_user_client.post(EMAIL, {"email": "old@example.com", "action_remove": ""})

    assert response.status_code == 302
    assert not EmailAddress.objects.filter(email="old@example.com").exists()
    event = AccountEvent.objects.get(user=user, tag="account:email:removed")
    assert event.details == {"email": "old@example.com"}
    assert [m.to for m in mailoutbox] == [[user.email]]
    assert "old@example.com" in mailoutbox[0].body


def test_primary_address_cannot_be_removed(reauthed_user_client, user):
    EmailAddressFactory(user=user, email="other@example.com", verified=True)

    response = reauthed_user_client.post(
        EMAIL, {"email": user.email, "action_remove": ""}, follow=True
    )

    assert "You cannot remove your primary email address" in response.content.decode()
    assert EmailAddress.objects.filter(email=user.email).exists()


def test_making_another_verified_address_primary_is_recorded(
    reauthed_user_client, user, mailoutbox
):
    EmailAddressFactory(user=user, email="other@example.com", verified=True)

    response = reauthed_user_client.post(
        EMAIL, {"email": "other@example.com", "action_primary": ""}
    )

    assert response.status_code == 302
    assert EmailAddress.objects.get(primary=True, user=user).email == "other@example.com"
    event = AccountEvent.objects.get(user=user, tag="account:email:primary_changed")
    assert event.details == {"from_email": user.email, "to_email": "other@example.com"}
    # The old primary address hears about it (allauth's notice, with where it came from).
    (notice,) = mailoutbox
    assert notice.to == [user.email]
    assert notice.subject == "[Wharf] Email Changed"
    assert f"from {user.email} to other@example.com" in notice.body
    assert "IP address: 127.0.0.1" in notice.body


def test_an_unverified_address_cannot_become_primary(reauthed_user_client, user):
    EmailAddressFactory(user=user, email="pending@example.com", verified=False)

    response = reauthed_user_client.post(
        EMAIL, {"email": "pending@example.com", "action_primary": ""}, follow=True
    )

    assert "must first verify" in response.content.decode().lower() or "verified" in (
        response.content.decode()
    )
    assert EmailAddress.objects.get(primary=True, user=user).email == user.email


def test_address_of_another_account_can_never_be_verified_here(
    reauthed_user_client, user, mailoutbox
):
    # allauth prevents enumeration: the add looks like any other, but the link cannot confirm.
    EmailAddressFactory(email="taken@example.com", verified=True)

    reauthed_user_client.post(EMAIL, {"email": "taken@example.com", "action_add": ""})
    link = link_in(next(m for m in mailoutbox if m.to == ["taken@example.com"]), "/accounts/")
    page = reauthed_user_client.get(link)
    reauthed_user_client.post(link)

    assert "already confirmed by a different account" in page.content.decode()
    assert not EmailAddress.objects.filter(user=user, email="taken@example.com", verified=True)
