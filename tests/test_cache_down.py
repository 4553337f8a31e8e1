"""With the cache (Redis) down, limited entry points fail closed with a clear 503.

A rate limit that cannot be counted must neither let the request through uncounted nor
answer 500: sign-in, uploads and API sign-in say what happened and to try again.
"""

from __future__ import annotations

import pytest

from tests.api.conftest import basic
from tests.factories import PASSWORD
from tests.packages.conftest import basic_auth

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_down(settings):
    # Nothing listens on port 1: every cache call fails to connect.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Overrides the suite's cache clearing, which would fail against the dead cache."""
    yield


def test_sign_in_answers_503_not_500(client, user, cache_down):
    response = client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    assert response.status_code == 503
    assert "try again in a minute" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_upload_answers_503_with_the_reason(client, user, cache_down):
    response = client.post("/legacy/", {}, HTTP_AUTHORIZATION=basic_auth(user.username))
    assert response.status_code == 503
    assert "try again in a minute" in response.reason_phrase


def test_api_sign_in_answers_503(client, user, cache_down):
    response = client.get("/api/v1/account/", **basic(user.username))
    assert response.status_code == 503
    assert "try again in a minute" in response.json()["detail"]
