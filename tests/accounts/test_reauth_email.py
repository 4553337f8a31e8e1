"""Adding or removing an address needs a recent password: a borrowed session must not be able
to add its own address, verify it and reset the account's password through it."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress

from tests.conftest import mark_reauthenticated
from tests.factories import EmailAddressFactory

pytestmark = pytest.mark.django_db

EMAIL = "/accounts/email/"
REAUTH = "/manage/account/reauthenticate/"


def test_adding_an_address_needs_reauthentication(user_client, user, mailoutbox):
    data = {"email": "thief@example.com", "action_add": ""}
    refused = user_client.post(EMAIL, data, HTTP_REFERER="http://testserver/accounts/email/")
    assert refused.status_code == 302
    assert refused["Location"] == f"{REAUTH}?next=%2Faccounts%2Femail%2F"
    assert not EmailAddress.objects.filter(email="thief@example.com").exists()
    assert mailoutbox == []
    page = user_client.get(refused["Location"]).content.decode()
    assert "This action needs your password" in page

    mark_reauthenticated(user_client)
    assert user_client.post(EMAIL, data).status_code == 302
    assert EmailAddress.objects.filter(user=user, email="thief@example.com").exists()


def test_removing_an_address_needs_reauthentication(user_client, user):
    EmailAddressFactory(user=user, email="second@example.com", verified=True)
    data = {"email": "second@example.com", "action_remove": ""}
    refused = user_client.post(EMAIL, data)
    assert refused["Location"].startswith(REAUTH)
    assert EmailAddress.objects.filter(user=user, email="second@example.com").exists()


def test_resending_a_verification_mail_needs_no_reauthentication(user_client, user):
    EmailAddressFactory(user=user, email="pending@example.com", verified=False)
    response = user_client.post(EMAIL, {"email": "pending@example.com", "action_send": ""})
    assert not response.get("Location", "").startswith(REAUTH)
