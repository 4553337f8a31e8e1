"""Project pages, the index, the JSON API and /manage/: queries don't grow with the project."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from packages.models import Role
from tests.conftest import login_verified
from tests.factories import FileFactory, ProjectFactory, ReleaseFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "/simple/{}/",
    "/pypi/{}/json",
    "/pypi/{}/0.1/json",
    "/project/{}/",
    "/project/{}/0.1/",
    "/manage/project/{}/",
    "/manage/project/{}/collaboration/",
    "/manage/project/{}/release/0.1/",
    "/manage/project/{}/tokens/",
    "/api/v1/projects/{}/",
    "/api/v1/projects/{}/releases/",
    "/api/v1/projects/{}/roles/",
]


def _project(name: str, owner, size: int) -> None:
    """A project with `size` releases (a wheel and an sdist each) and `size` Maintainers."""
    project = ProjectFactory(name=name)
    RoleFactory(project=project, user=owner, role=Role.Kind.OWNER)
    for minor in range(1, size + 1):
        RoleFactory(project=project, user=UserFactory(verified=True), role=Role.Kind.MAINTAINER)
        release = ReleaseFactory(project=project, version=f"0.{minor}")
        FileFactory(release=release)
        FileFactory(
            release=release,
            filename=f"{name.replace('-', '_')}-0.{minor}.tar.gz",
            packagetype="sdist",
        )


def _queries(client: Client, url: str) -> tuple[int, int]:
    cache.clear()  # the simple pages are cached: count a cold render
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response.status_code, len(captured)


@pytest.mark.parametrize("page", PAGES)
def test_page_queries_do_not_grow_with_releases_files_and_roles(client, page):
    owner = UserFactory(verified=True)
    _project("small-pkg", owner, 1)
    _project("large-pkg", owner, 20)
    login_verified(client, owner)

    small = _queries(client, page.format("small-pkg"))
    large = _queries(client, page.format("large-pkg"))

    assert small[0] == 200, page
    assert small == large, page
