"""The leak endpoint is public: forged reports must not turn it into a GitHub API pump."""

from __future__ import annotations

import json

import pytest

from tests.factories import TokenFactory
from tokens.models import Token

pytestmark = pytest.mark.django_db

URL = "/_/secrets/disclose-token"


def test_unknown_key_identifiers_do_not_refetch_the_keys_on_every_report(client, github_keys):
    body = json.dumps([{"token": TokenFactory().raw, "type": "t", "url": "", "source": ""}])
    for number in range(5):
        response = client.post(
            URL,
            body,
            content_type="application/json",
            HTTP_GITHUB_PUBLIC_KEY_IDENTIFIER=f"unknown-{number}",
            HTTP_GITHUB_PUBLIC_KEY_SIGNATURE="YQ==",
        )
        assert response.status_code == 401
        assert "nothing was revoked" in response.json()["detail"]
    assert len(github_keys.requests) == 1
    assert not Token.objects.filter(revoked_at__isnull=False).exists()


def test_a_rotated_key_is_fetched_after_the_refetch_pause(client, github_keys):
    from django.core.cache import cache

    from tokens.leaks import KEYS_CACHE_KEY, KEYS_REFETCHED_CACHE_KEY

    cache.set(KEYS_CACHE_KEY, {"old-key": "not a pem"}, 3600)  # keys fetched before rotation
    token = TokenFactory()
    body = json.dumps([{"token": token.raw, "type": "t", "url": "", "source": ""}]).encode()
    cache.delete(KEYS_REFETCHED_CACHE_KEY)  # the pause since the last fetch is over
    response = client.post(URL, body, content_type="application/json", **github_keys.headers(body))
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.is_revoked
