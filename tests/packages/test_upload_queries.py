"""/legacy/ is the hot path: an upload's query count must not grow with the project's history."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from packages.models import File, Release
from tests.factories import TokenFactory
from tests.packages.conftest import basic_auth, sdist, wheel

pytestmark = pytest.mark.django_db

# Queries for one token-authenticated upload of a new release to an existing project: the
# token (its last-use stamp is written at most once a minute, so not here), whether its owner
# has a verified address, the project with whether the release exists (a new one's
# README is rendered before the lock is taken), the role, one duplicate check (a file with
# this name or content, or the name once used), a savepoint around the locked project,
# release, file, filename, serial and the events (one INSERT); and the simple pages' refresh
# (project, releases, files), which runs in the request only because tests run tasks eagerly
# (in production it is the worker's).
# Recorded so an added query is a visible, deliberate change.
UPLOAD_QUERIES = 17


def _publish(client: Client, auth: str, dist) -> None:
    response = client.post("/legacy/", dist.form(), HTTP_AUTHORIZATION=auth)
    assert response.status_code == 200, response.reason_phrase


def _project_with_history(client: Client, auth: str, name: str, releases: int) -> None:
    for minor in range(releases):
        _publish(client, auth, wheel(name, f"0.{minor}"))
        _publish(client, auth, sdist(name, f"0.{minor}"))


def _queries_for_upload(client: Client, auth: str, name: str) -> list[str]:
    dist = wheel(name, "9.0")  # built outside the capture: only the request is counted
    with CaptureQueriesContext(connection) as captured:
        _publish(client, auth, dist)
    return [query["sql"] for query in captured.captured_queries]


def test_upload_queries_do_not_grow_with_releases_and_files(
    client, owner, django_assert_num_queries
):
    auth = basic_auth("__token__", TokenFactory(user=owner).raw)
    _project_with_history(client, auth, "small-pkg", 1)
    _project_with_history(client, auth, "large-pkg", 20)
    assert Release.objects.filter(project__normalized_name="large-pkg").count() == 20
    assert File.objects.filter(release__project__normalized_name="large-pkg").count() == 40

    small = _queries_for_upload(client, auth, "small-pkg")
    with django_assert_num_queries(UPLOAD_QUERIES):
        _publish(client, auth, wheel("large-pkg", "9.0"))
    assert len(small) == UPLOAD_QUERIES, "\n".join(small)
    # Adding a file to the release just created: the same, less the release's row.
    with django_assert_num_queries(UPLOAD_QUERIES - 1):
        _publish(client, auth, sdist("large-pkg", "9.0"))
