"""Two exchanges of one JWT at the same moment: exactly one succeeds (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
import requests
from django.db import connection

from tests.factories import PublisherFactory
from tokens.models import Token

pytestmark = pytest.mark.django_db(transaction=True)


def _post(url: str, token: str, results: list[int], start: threading.Barrier) -> None:
    start.wait()
    response = requests.post(f"{url}/_/oidc/mint-token", json={"token": token}, timeout=30)
    results.append(response.status_code)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_concurrent_replay_one_succeeds(live_server, issuer):
    PublisherFactory(issuer=issuer.url("github"))
    token = issuer.sign(issuer.github_claims())
    results: list[int] = []
    start = threading.Barrier(4)
    threads = [
        threading.Thread(target=_post, args=(live_server.url, token, results, start))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 422, 422, 422]
    assert Token.objects.count() == 1
