from __future__ import annotations

import pytest

from accounts.events import record_event
from tests.api.conftest import basic
from tests.factories import EmailAddressFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_account_describes_the_caller(client, user) -> None:
    response = client.get("/api/v1/account/", **basic(user.username))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == user.username
    assert body["two_factor_enabled"] is False
    assert body["emails"] == [{"email": user.email, "verified": True, "primary": True}]


def test_account_emails_and_events_are_the_callers_only(client, user) -> None:
    EmailAddressFactory(user=user, email="second@example.com", verified=False)
    other = UserFactory()
    record_event(user=user, tag="account:login:success")
    record_event(user=other, tag="account:login:failure")
    emails = client.get("/api/v1/account/emails/", **basic(user.username)).json()
    assert [e["email"] for e in emails["results"]] == [user.email, "second@example.com"]
    events = client.get("/api/v1/account/events/", **basic(user.username)).json()
    assert [e["tag"] for e in events["results"]] == ["account:login:success"]


@pytest.mark.parametrize(
    "url", ["/api/v1/account/", "/api/v1/account/emails/", "/api/v1/account/events/"]
)
def test_account_endpoints_need_authentication(client, url) -> None:
    response = client.get(url)
    assert response.status_code == 401
