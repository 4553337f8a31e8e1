"""Uploads to organization projects with the real twine: organization tokens, team roles,
offboarding and the two-factor policy; plus the same rules through the test client."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from organizations import services as organization_services
from organizations.models import OrganizationRole
from packages.models import File, Project, ProjectEvent
from tests.factories import (
    OrganizationFactory,
    OrganizationRoleFactory,
    OrganizationTokenFactory,
    ProjectFactory,
    ReleaseFactory,
    RoleFactory,
    TeamFactory,
    TeamMemberFactory,
    TeamProjectRoleFactory,
    TokenFactory,
    UserFactory,
)
from tests.packages.conftest import basic_auth, build_wheel, upload, wheel
from tests.packages.test_clients import twine, write


@pytest.fixture
def dist_dir(tmp_path: Path) -> Path:
    out = tmp_path / "dist"
    out.mkdir()
    return out


def _wheel(out: Path, name: str, version: str = "1.0") -> Path:
    return write(out, build_wheel(name, version))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_organization_token_uploads_creates_and_survives_its_creator(live_server, dist_dir) -> None:
    url = live_server.url
    acme = OrganizationFactory(name="acme")
    creator = UserFactory(username="creator", verified=True, with_totp=True)
    other_owner = UserFactory(username="boss", verified=True, with_totp=True)
    OrganizationRoleFactory(organization=acme, user=creator, role="Manager")
    OrganizationRoleFactory(organization=acme, user=other_owner, role="Owner")
    ProjectFactory(name="acme-existing", organization=acme)
    ProjectFactory(name="not-acme")
    token = OrganizationTokenFactory(organization=acme, created_by=creator, name="ci")

    result = twine(url, "__token__", _wheel(dist_dir, "acme-existing"), password=token.raw)
    assert result.returncode == 0, result.output
    result = twine(url, "__token__", _wheel(dist_dir, "acme-brand-new"), password=token.raw)
    assert result.returncode == 0, result.output
    created = Project.objects.get(normalized_name="acme-brand-new")
    assert created.organization == acme
    assert not created.roles.exists()  # owned by the organization, not by a person
    assert created.role_of(other_owner) == "Owner"
    event = ProjectEvent.objects.filter(project=created, tag="project:file:uploaded").get()
    assert event.details["by"] == "organization token ci of acme, created by creator"
    file = File.objects.get(release__project=created)
    assert file.upload_token == token
    assert file.uploaded_by is None

    # Not the organization's project: refused, with why.
    result = twine(url, "__token__", _wheel(dist_dir, "not-acme"), password=token.raw)
    assert result.returncode != 0
    assert "403" in result.output
    assert "does not belong to organization 'acme'" in result.output

    # The creator leaves the organization: the token still works.
    organization_services.member_leave(organization=acme, actor=creator)
    assert acme.role_of(creator) is None
    result = twine(url, "__token__", _wheel(dist_dir, "acme-existing", "2.0"), password=token.raw)
    assert result.returncode == 0, result.output
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_removed_member_personal_token_fails_on_organization_projects_only(
    live_server, dist_dir
) -> None:
    url = live_server.url
    acme = OrganizationFactory(name="acme")
    owner = UserFactory(username="boss", verified=True, with_totp=True)
    OrganizationRoleFactory(organization=acme, user=owner, role="Owner")
    dev = UserFactory(username="dev", verified=True)
    OrganizationRoleFactory(organization=acme, user=dev, role="Member")
    team = TeamFactory(organization=acme, name="core")
    TeamMemberFactory(team=team, user=dev)
    org_project = ProjectFactory(name="acme-lib", organization=acme)
    TeamProjectRoleFactory(team=team, project=org_project, role="Maintainer")
    own = ProjectFactory(name="devs-own")
    RoleFactory(project=own, user=dev, role="Owner")
    token = TokenFactory(user=dev, name="laptop")  # account-wide

    # A team's Maintainer role grants upload.
    result = twine(url, "__token__", _wheel(dist_dir, "acme-lib"), password=token.raw)
    assert result.returncode == 0, result.output

    organization_services.member_remove(organization=acme, actor=owner, user=dev)
    result = twine(url, "__token__", _wheel(dist_dir, "acme-lib", "2.0"), password=token.raw)
    assert result.returncode != 0
    output = result.output
    assert "403" in output
    assert "it belongs to organization 'acme'" in output
    assert "has no role on it" in output
    assert "ask an Owner of 'acme'" in output
    # Their own project still works with the same token.
    result = twine(url, "__token__", _wheel(dist_dir, "devs-own"), password=token.raw)
    assert result.returncode == 0, result.output


@pytest.mark.django_db
def test_two_factor_policy_refuses_a_non_compliant_member_with_the_fix(client) -> None:
    acme = OrganizationFactory(name="acme", require_two_factor=True)
    dev = UserFactory(username="dev", verified=True)
    OrganizationRole.objects.create(organization=acme, user=dev, role="Member")
    project = ProjectFactory(name="acme-lib", organization=acme)
    RoleFactory(project=project, user=dev, role="Maintainer")
    response = upload(client, wheel("acme-lib", "1.0"), "dev")
    assert response.status_code == 403
    assert "organization 'acme' requires two-factor authentication" in response.reason_phrase
    assert "turn it on at http" in response.reason_phrase
    assert "/two-factor/" in response.reason_phrase


@pytest.mark.django_db
def test_organization_token_scope_and_deactivation(client) -> None:
    acme = OrganizationFactory(name="acme")
    ProjectFactory(name="acme-a", organization=acme)
    ProjectFactory(name="acme-b", organization=acme)
    token = OrganizationTokenFactory(organization=acme, projects=["acme-a", "acme-future"])
    auth = "__token__", token.raw
    assert upload(client, wheel("acme-a"), *auth).status_code == 200
    response = upload(client, wheel("acme-b"), *auth)
    assert response.status_code == 403
    assert 'the token is scoped to "acme-a", "acme-future"' in response.reason_phrase
    assert upload(client, wheel("acme-future"), *auth).status_code == 200
    assert Project.objects.get(normalized_name="acme-future").organization == acme
    acme.status = "deactivated"
    acme.save()
    response = upload(client, wheel("acme-a", "2.0"), *auth)
    assert response.status_code == 403
    assert "is not active" in response.reason_phrase


@pytest.mark.django_db
def test_team_maintainer_can_upload_but_not_yank_or_delete(client) -> None:
    from tests.conftest import login_verified, mark_reauthenticated

    acme = OrganizationFactory(name="acme")
    dev = UserFactory(username="dev", verified=True)
    OrganizationRole.objects.create(organization=acme, user=dev, role="Member")
    team = TeamFactory(organization=acme)
    TeamMemberFactory(team=team, user=dev)
    project = ProjectFactory(name="acme-lib", organization=acme)
    TeamProjectRoleFactory(team=team, project=project, role="Maintainer")
    assert upload(client, wheel("acme-lib"), "dev").status_code == 200
    release = project.releases.get()
    mark_reauthenticated(login_verified(client, dev))
    response = client.post(
        "/manage/project/acme-lib/",
        {"action": "yank", "release": release.pk, "reason": "x"},
        follow=True,
    )
    assert "only an Owner of 'acme-lib'" in html.unescape(response.content.decode())
    release.refresh_from_db()
    assert not release.yanked
    response = client.post(
        "/manage/project/acme-lib/",
        {"action": "delete_project", "confirm": "acme-lib"},
        follow=True,
    )
    assert Project.objects.filter(pk=project.pk).exists()
    response = client.post(
        f"/manage/project/acme-lib/release/{release.version}/",
        {"action": "delete_release", "confirm": release.version},
        follow=True,
    )
    assert project.releases.filter(pk=release.pk).exists()


def _organization_project(name: str, dev, size: int) -> None:
    organization = OrganizationFactory(name=f"{name}-org")
    OrganizationRole.objects.create(organization=organization, user=dev, role="Member")
    project = ProjectFactory(name=name, organization=organization)
    ReleaseFactory(project=project, version="0.1", canonical_version="0.1")
    for _ in range(size):
        team = TeamFactory(organization=organization)
        TeamMemberFactory(team=team, user=dev)
        TeamMemberFactory(team=team, user=UserFactory())
        TeamProjectRoleFactory(team=team, project=project, role="Maintainer")
        OrganizationRoleFactory(organization=organization, role="Owner")


@pytest.mark.django_db
def test_upload_queries_do_not_grow_with_teams_and_members(client) -> None:
    dev = UserFactory(username="dev", verified=True)
    _organization_project("small-lib", dev, 1)
    _organization_project("large-lib", dev, 20)
    # Used a moment ago from here: neither upload writes the once-a-minute last-use stamp.
    token = TokenFactory(user=dev, last_used_at=timezone.now(), last_used_ip="127.0.0.1")
    counts = []
    for name in ("small-lib", "large-lib"):
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                "/legacy/",
                wheel(name, "1.0").form(),
                HTTP_AUTHORIZATION=basic_auth("__token__", token.raw),
            )
        assert response.status_code == 200, response.reason_phrase
        counts.append(len(captured))
    assert counts[0] == counts[1], counts
