"""Helpers for the account tests: reading links out of mail, signing up through the form."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client

from tests.factories import PASSWORD

NEW_PASSWORD = "tidal basin lantern 42"


def link_in(message, path_prefix: str) -> str:
    """The path of the first link in a mail whose path starts with path_prefix."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"\S*)", message.body)
    assert match, f"no {path_prefix} link in: {message.body}"
    return match.group(1)


def signup_data(**overrides: str) -> dict[str, str]:
    data = {
        "username": "Alice",
        "email": "alice@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "agree_terms": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def signed_up(client: Client, mailoutbox, db):
    """A fresh signup through the form, then a sign-in: (client signed in, the verification mail).

    A signup itself ends on "check your mail" (it answers the same for a taken address).
    """
    response = client.post("/accounts/signup/", signup_data())
    assert response.status_code == 302, response.content
    assert response["Location"] == "/accounts/confirm-email/"
    assert len(mailoutbox) == 1
    signed_in = client.post("/accounts/login/", {"login": "Alice", "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.content
    return client, mailoutbox[0]


@pytest.fixture
def reauthed_user_client(user_client: Client) -> Client:
    """`user_client` that just entered its password (sensitive pages ask: accounts.reauth)."""
    from accounts.reauth import SESSION_KEY

    session = user_client.session
    session[SESSION_KEY] = time.time()
    session.save()
    return user_client
