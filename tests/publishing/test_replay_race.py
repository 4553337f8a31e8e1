"""Two exchanges of one JWT at the same moment: exactly one succeeds (PostgreSQL)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest
from django.db import connection

from tests.factories import PublisherFactory
from tokens.models import Token

pytestmark = pytest.mark.django_db(transaction=True)


def _post(url: str, token: str, results: list[int], start: threading.Barrier) -> None:
    request = urllib.request.Request(
        f"{url}/_/oidc/mint-token",
        data=json.dumps({"token": token}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    start.wait()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - live server
            results.append(response.status)
    except urllib.error.HTTPError as error:
        results.append(error.code)


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
