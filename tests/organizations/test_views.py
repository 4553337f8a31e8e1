"""Organization pages through the browser client: public page, management, admin."""

from __future__ import annotations

import html

import pytest

from organizations.models import Organization, OrganizationInvitation
from packages.models import TeamProjectRole
from tests.conftest import login_verified, mark_reauthenticated
from tests.factories import (
    FileFactory,
    ProjectFactory,
    ReleaseFactory,
    RoleFactory,
    TeamFactory,
    TeamMemberFactory,
    TeamProjectRoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def signed_in(client, user, *, reauthenticated: bool = True):
    login_verified(client, user)
    return mark_reauthenticated(client) if reauthenticated else client


def test_public_page_shows_description_projects_and_members_when_chosen(
    client, acme, org_owner
) -> None:
    acme.description = "We make anvils."
    acme.save()
    ProjectFactory(name="anvil", organization=acme)
    page = client.get("/org/acme/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "We make anvils." in text
    assert "/project/anvil/" in text
    assert "olivia" not in text
    acme.show_members = True
    acme.save()
    assert "olivia" in client.get("/org/acme/").content.decode()
    assert client.get("/org/nope/").status_code == 404
    acme.status = Organization.Status.PENDING
    acme.save()
    assert client.get("/org/acme/").status_code == 404


def test_project_page_and_json_name_the_organization(client, acme) -> None:
    project = ProjectFactory(name="anvil", organization=acme)
    FileFactory(release=ReleaseFactory(project=project, version="1.0", canonical_version="1"))
    page = client.get("/project/anvil/").content.decode()
    assert "Owned by" in page
    assert "/org/acme/" in page
    assert client.get("/pypi/anvil/json").json()["info"]["organization"] == "Acme"
    assert client.get("/pypi/anvil/1.0/json").json()["info"]["organization"] == "Acme"
    other = ProjectFactory(name="solo")
    FileFactory(release=ReleaseFactory(project=other, version="1.0", canonical_version="1"))
    assert client.get("/pypi/solo/json").json()["info"]["organization"] is None


def test_create_organization_on_the_web(client) -> None:
    person = UserFactory(verified=True, with_totp=True)
    signed_in(client, person)
    response = client.post(
        "/manage/organizations/",
        {"action": "create", "name": "webco", "display_name": "Web Co"},
        follow=True,
    )
    assert "Created the organization webco." in response.content.decode()
    assert Organization.objects.get(normalized_name="webco").role_of(person) == "Owner"
    # Bad input: a message, no 500.
    response = client.post(
        "/manage/organizations/", {"action": "create", "name": "no good"}, follow=True
    )
    assert response.status_code == 200
    assert "is not a valid organization name" in response.content.decode()


def test_invite_accept_through_pages(client, acme, org_owner, stranger, mailoutbox) -> None:
    signed_in(client, org_owner)
    response = client.post(
        "/manage/organization/acme/",
        {"action": "invite", "username": "stranger", "role": "Member"},
        follow=True,
    )
    assert "Invitation sent to stranger." in response.content.decode()
    invitation = OrganizationInvitation.objects.get()
    client.logout()
    signed_in(client, stranger)
    page = client.get("/manage/organizations/").content.decode()
    assert "Acme" in page
    response = client.post(
        "/manage/organizations/",
        {"action": "accept", "invitation": invitation.pk},
        follow=True,
    )
    assert "You joined Acme." in response.content.decode()
    assert acme.role_of(stranger) == "Member"


def test_management_pages_are_for_members(client, acme, org_owner, stranger) -> None:
    signed_in(client, stranger)
    for url in [
        "/manage/organization/acme/",
        "/manage/organization/acme/teams/",
        "/manage/organization/acme/projects/",
        "/manage/organization/acme/tokens/",
    ]:
        assert client.get(url).status_code == 404, url
    client.logout()
    signed_in(client, org_owner)
    for url in [
        "/manage/organization/acme/",
        "/manage/organization/acme/teams/",
        "/manage/organization/acme/projects/",
        "/manage/organization/acme/tokens/",
    ]:
        assert client.get(url).status_code == 200, url


def test_member_removal_asks_to_reauthenticate(client, acme, org_owner, org_member) -> None:
    signed_in(client, org_owner, reauthenticated=False)
    response = client.post(
        "/manage/organization/acme/", {"action": "remove", "user": org_member.pk}
    )
    assert response.status_code == 302
    assert "/reauthenticate/" in response["Location"]
    assert acme.role_of(org_member) == "Member"
    mark_reauthenticated(client)
    response = client.post(
        "/manage/organization/acme/", {"action": "remove", "user": org_member.pk}, follow=True
    )
    assert "mia was removed." in response.content.decode()
    assert acme.role_of(org_member) is None


def test_teams_and_project_roles_through_pages(client, acme, org_owner, org_member) -> None:
    project = ProjectFactory(name="anvil", organization=acme)
    signed_in(client, org_owner)
    client.post("/manage/organization/acme/teams/", {"action": "create", "name": "smiths"})
    team = acme.teams.get()
    client.post(
        "/manage/organization/acme/teams/",
        {"action": "add_member", "team": team.pk, "username": "mia"},
    )
    response = client.post(
        "/manage/organization/acme/projects/",
        {"action": "team_role", "team": team.pk, "project": project.pk, "role": "Maintainer"},
        follow=True,
    )
    assert "Team smiths is now Maintainer of anvil." in response.content.decode()
    assert project.role_of(org_member) == "Maintainer"
    # The collaborators page says where each permission comes from.
    page = client.get("/manage/project/anvil/collaboration/").content.decode()
    assert "Maintainer (team smiths)" in page
    assert "Owner (Owner of organization Acme)" in page
    response = client.post(
        "/manage/organization/acme/projects/",
        {"action": "team_role", "team": team.pk, "project": project.pk, "role": "King"},
        follow=True,
    )
    assert "unknown role" in response.content.decode()
    response = client.post(
        "/manage/organization/acme/projects/",
        {"action": "team_role", "team": "x", "project": project.pk, "role": "Owner"},
    )
    assert response.status_code == 404


def test_transfer_in_and_out_through_the_projects_page(client, acme, org_owner) -> None:
    project = ProjectFactory(name="tool")
    RoleFactory(project=project, user=org_owner, role="Owner")
    signed_in(client, org_owner)
    response = client.post(
        "/manage/organization/acme/projects/",
        {"action": "transfer_in", "project": project.pk, "keep_roles": "on"},
        follow=True,
    )
    assert "tool now belongs to Acme." in response.content.decode()
    project.refresh_from_db()
    assert project.organization == acme
    assert project.roles.filter(user=org_owner).exists()
    response = client.post(
        "/manage/organization/acme/projects/",
        {"action": "transfer_out", "project": project.pk},
        follow=True,
    )
    assert "tool left Acme; you are its Owner." in response.content.decode()
    project.refresh_from_db()
    assert project.organization is None


def test_organization_tokens_page_creates_and_revokes(client, acme, org_manager) -> None:
    signed_in(client, org_manager)
    response = client.post(
        "/manage/organization/acme/tokens/",
        {"action": "create", "name": "ci", "projects": "anvil, new-thing"},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = acme.tokens.get()
    assert token.projects == ["anvil", "new-thing"]
    assert token.created_by == org_manager
    assert token.user is None
    assert response.content.decode().count("wharf-") >= 1
    page = client.get("/manage/organization/acme/tokens/").content.decode()
    assert "manfred" in page  # who created it
    response = client.post(
        "/manage/organization/acme/tokens/", {"action": "revoke", "token": token.pk}, follow=True
    )
    assert "is revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.is_revoked
    response = client.post(
        "/manage/organization/acme/tokens/",
        {"action": "create", "name": "ci", "expires_at": "yesterday"},
        follow=True,
    )
    assert "is not a date" in response.content.decode()


def test_members_cannot_see_organization_tokens(client, acme, org_member) -> None:
    signed_in(client, org_member)
    response = client.get("/manage/organization/acme/tokens/", follow=True)
    assert "only Owners and Managers" in response.content.decode()


def test_admin_approves_a_pending_organization(client, staff, mailoutbox) -> None:
    person = UserFactory(verified=True)
    organization = Organization.objects.create(
        name="later", normalized_name="later", display_name="Later", status="pending"
    )
    organization.roles.create(user=person, role="Owner")
    login_verified(client, staff)
    page = client.get(f"/admin/organizations/organization/{organization.pk}/change/")
    assert page.status_code == 200
    assert "Approve" in page.content.decode()
    response = client.post(
        f"/admin/organizations/organization/{organization.pk}/act/approve/", follow=True
    )
    assert response.status_code == 200
    organization.refresh_from_db()
    assert organization.is_active
    assert organization.events.get(tag="organization:organization:approved").actor == staff
    assert any(person.email in m.to and "approved" in m.subject for m in mailoutbox)
    response = client.post(
        f"/admin/organizations/organization/{organization.pk}/act/decline/",
        {"message": "x"},
        follow=True,
    )
    assert "not waiting for approval" in response.content.decode()


def test_team_delete_removes_its_project_roles(acme, org_owner) -> None:
    from organizations import services

    team = TeamFactory(organization=acme)
    project = ProjectFactory(organization=acme)
    TeamMemberFactory(team=team, user=org_owner)
    TeamProjectRoleFactory(team=team, project=project)
    services.team_delete(team=team, actor=org_owner)
    assert not TeamProjectRole.objects.exists()


def test_your_projects_lists_those_reached_through_organizations(client, acme, org_member) -> None:
    project = ProjectFactory(name="anvil", organization=acme)
    team = TeamFactory(organization=acme)
    TeamMemberFactory(team=team, user=org_member)
    TeamProjectRoleFactory(team=team, project=project)
    signed_in(client, org_member)
    page = client.get("/manage/projects/").content.decode()
    assert "Through your organizations" in page
    assert "/manage/project/anvil/" in page
    # Leaving the project itself is not how to give up a team's role: it says what to do.
    response = client.post("/manage/project/anvil/", {"action": "leave"}, follow=True)
    assert "leave the team or the organization instead" in html.unescape(response.content.decode())
