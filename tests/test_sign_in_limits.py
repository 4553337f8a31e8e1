"""Password guessing through /legacy/ and the API counts per account, however it is named.

Each guess comes from another address, as from a botnet: only the per-account limit holds.
"""

from __future__ import annotations

import pytest

from tests.api.conftest import basic
from tests.factories import EmailAddressFactory
from tests.packages.conftest import basic_auth, wheel

pytestmark = pytest.mark.django_db

API = "/api/v1/account/"


@pytest.fixture
def names(user) -> list[str]:
    """The account's username and its addresses, in both cases."""
    EmailAddressFactory(user=user, email="second@example.com", verified=True)
    return [user.username, user.email, "second@example.com", user.email.upper()]


def test_api_guesses_under_every_name_of_the_account_share_one_allowance(client, user, names):
    for attempt in range(10):
        name = names[attempt % len(names)]
        ip = f"203.0.113.{attempt}"
        assert client.get(API, REMOTE_ADDR=ip, **basic(name, "wrong")).status_code == 401
    # The right password, too late.
    response = client.get(API, REMOTE_ADDR="198.51.100.1", **basic("second@example.com"))
    assert response.status_code == 429
    assert "wait a few minutes" in response.json()["detail"]


def test_upload_guesses_under_every_name_of_the_account_share_one_allowance(client, user, names):
    for attempt in range(10):
        name = names[attempt % len(names)]
        response = client.post(
            "/legacy/",
            wheel().form(),
            REMOTE_ADDR=f"203.0.113.{attempt}",
            HTTP_AUTHORIZATION=basic_auth(name, "wrong"),
        )
        assert response.status_code == 403
    response = client.post(
        "/legacy/",
        wheel().form(),
        REMOTE_ADDR="198.51.100.1",
        HTTP_AUTHORIZATION=basic_auth("second@example.com"),
    )
    assert response.status_code == 429
    assert "wait 5 minutes" in response.reason_phrase
