"""Organization projects' pages: queries don't grow with the number of teams and members."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import login_verified, mark_reauthenticated
from tests.factories import (
    FileFactory,
    OrganizationFactory,
    OrganizationRoleFactory,
    ProjectFactory,
    ReleaseFactory,
    RoleFactory,
    TeamFactory,
    TeamMemberFactory,
    TeamProjectRoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PAGES = [
    "/simple/{p}/",
    "/pypi/{p}/json",
    "/project/{p}/",
    "/manage/projects/",
    "/manage/project/{p}/",
    "/manage/project/{p}/collaboration/",
    "/manage/organizations/",
    "/manage/organization/{o}/",
    "/manage/organization/{o}/teams/",
    "/manage/organization/{o}/projects/",
    "/manage/organization/{o}/tokens/",
    "/org/{o}/",
    "/api/v1/organizations/{o}/members/",
    "/api/v1/organizations/{o}/teams/",
]


def _organization(name: str, owner, size: int) -> None:
    """An organization with `size` teams and members, each team with a role on the project."""
    organization = OrganizationFactory(name=name, show_members=True)
    OrganizationRoleFactory(organization=organization, user=owner, role="Owner")
    project = ProjectFactory(name=f"{name}-lib", organization=organization)
    FileFactory(release=ReleaseFactory(project=project, version="0.1", canonical_version="0.1"))
    for _ in range(size):
        member = UserFactory(verified=True)
        OrganizationRoleFactory(organization=organization, user=member, role="Member")
        RoleFactory(project=project, user=UserFactory(verified=True), role="Maintainer")
        team = TeamFactory(organization=organization)
        TeamMemberFactory(team=team, user=member)
        TeamMemberFactory(team=team, user=owner)
        TeamProjectRoleFactory(team=team, project=project, role="Maintainer")


def _queries(client: Client, url: str) -> tuple[int, int]:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response.status_code, len(captured)


@pytest.mark.parametrize("page", PAGES)
def test_queries_do_not_grow_with_teams_and_members(client, page) -> None:
    owner = UserFactory(verified=True, with_totp=True)
    _organization("small", owner, 1)
    _organization("large", owner, 20)
    login_verified(client, owner)
    mark_reauthenticated(client)
    small = _queries(client, page.format(p="small-lib", o="small"))
    large = _queries(client, page.format(p="large-lib", o="large"))
    assert small[0] == 200, page
    assert small == large, page
