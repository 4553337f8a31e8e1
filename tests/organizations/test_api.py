"""The organization API: creation, approval, invitations, members, teams, transfers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.permissions import Action, can
from organizations.models import Organization, OrganizationInvitation, OrganizationRole
from packages.models import Project, Role, TeamProjectRole
from tests.factories import (
    ProjectFactory,
    RoleFactory,
    TeamFactory,
    TeamMemberFactory,
    TeamProjectRoleFactory,
    UserFactory,
)
from tests.organizations.conftest import call

pytestmark = pytest.mark.django_db


# --- creation -------------------------------------------------------------------------------


def test_create_organization_makes_the_creator_its_owner(client, stranger, mailoutbox) -> None:
    response = call(
        client,
        "post",
        "/api/v1/organizations/",
        stranger,
        {"name": "New.Org", "display_name": "The New Org"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["normalized_name"] == "new-org"
    assert body["status"] == "active"
    assert body["role"] == "Owner"
    organization = Organization.objects.get(normalized_name="new-org")
    assert organization.role_of(stranger) == "Owner"
    assert organization.events.filter(tag="organization:organization:created").exists()


def test_create_waits_for_approval_then_staff_approve(
    client, stranger, staff, settings, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    from organizations import services

    settings.ORGANIZATIONS_REQUIRE_APPROVAL = True
    response = call(client, "post", "/api/v1/organizations/", stranger, {"name": "waiting"})
    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    organization = Organization.objects.get(normalized_name="waiting")
    assert any("waits for approval" in m.subject for m in mailoutbox)
    # Pending: nothing can change yet.
    response = call(
        client, "post", "/api/v1/organizations/waiting/teams/", stranger, {"name": "core"}
    )
    assert response.status_code == 403
    assert "not active" in response.json()["detail"]
    assert "staff" in response.json()["detail"]
    with django_capture_on_commit_callbacks(execute=True):
        services.organization_approve(organization=organization, staff=staff)
    organization.refresh_from_db()
    assert organization.is_active
    assert any("was approved" in m.subject for m in mailoutbox)
    response = call(
        client, "post", "/api/v1/organizations/waiting/teams/", stranger, {"name": "core"}
    )
    assert response.status_code == 201


def test_staff_decline_with_a_message_mailed(
    stranger, staff, settings, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    from organizations import services

    settings.ORGANIZATIONS_REQUIRE_APPROVAL = True
    with django_capture_on_commit_callbacks(execute=True):
        organization = services.organization_create(actor=stranger, name="nope", display_name="")
        services.organization_decline(
            organization=organization, staff=staff, message="Looks like a squat on a brand."
        )
    organization.refresh_from_db()
    assert organization.status == "declined"
    mail = next(m for m in mailoutbox if "declined" in m.subject)
    assert "Looks like a squat on a brand." in mail.body
    assert organization.events.filter(tag="organization:organization:declined").exists()


def test_create_needs_two_factor_and_says_how(client) -> None:
    person = UserFactory(verified=True)
    response = call(client, "post", "/api/v1/organizations/", person, {"name": "x"})
    assert response.status_code == 403
    assert "needs two-factor authentication" in response.json()["detail"]
    assert "turn it on at http" in response.json()["detail"]
    assert not Organization.objects.exists()


def test_create_refuses_bad_and_taken_names(client, stranger, acme) -> None:
    for name in ["-bad-", "a b", "x" * 101, "ok\x00"]:
        response = call(client, "post", "/api/v1/organizations/", stranger, {"name": name})
        assert response.status_code == 400, name
        assert response.json()["detail"]
    response = call(client, "post", "/api/v1/organizations/", stranger, {"name": "ACME"})
    assert response.status_code == 409
    assert "taken" in response.json()["detail"]


# --- invitations ----------------------------------------------------------------------------


def test_invite_by_username_and_accept(client, acme, org_owner, stranger, mailoutbox) -> None:
    response = call(
        client,
        "post",
        "/api/v1/organizations/acme/members/",
        org_owner,
        {"username": "stranger", "role": "Member"},
    )
    assert response.status_code == 201, response.json()
    assert any("invited you to be Member of the organization Acme" in m.subject for m in mailoutbox)
    pending = call(client, "get", "/api/v1/invitations/", stranger).json()
    assert [(i["kind"], i["target"], i["role"]) for i in pending] == [
        ("organization", "Acme", "Member")
    ]
    response = call(client, "post", f"/api/v1/invitations/{pending[0]['id']}/accept/", stranger)
    assert response.status_code == 204
    assert acme.role_of(stranger) == "Member"
    assert acme.events.filter(tag="organization:member:added").exists()


def test_invite_by_verified_email_and_decline(client, acme, org_manager, stranger) -> None:
    response = call(
        client,
        "post",
        "/api/v1/organizations/acme/members/",
        org_manager,
        {"username": stranger.email.upper(), "role": "Manager"},
    )
    assert response.status_code == 201, response.json()
    (pending,) = call(client, "get", "/api/v1/invitations/", stranger).json()
    assert (
        call(client, "post", f"/api/v1/invitations/{pending['id']}/decline/", stranger).status_code
        == 204
    )
    assert acme.role_of(stranger) is None
    assert not OrganizationInvitation.objects.exists()


def test_invitations_list_project_invitations_too(client, stranger) -> None:
    from packages.models import RoleInvitation

    project = ProjectFactory(name="proj")
    RoleInvitation.objects.create(
        project=project,
        invitee=stranger,
        role="Maintainer",
        expires_at=timezone.now() + timedelta(days=1),
    )
    (item,) = call(client, "get", "/api/v1/invitations/", stranger).json()
    assert item["kind"] == "project"
    assert item["id"].startswith("project-")


def test_invitation_refusals_say_what_to_do(client, acme, org_owner, org_member, stranger) -> None:
    url = "/api/v1/organizations/acme/members/"
    response = call(client, "post", url, org_owner, {"username": "nobody-here", "role": "Member"})
    assert response.status_code == 404
    assert "check the spelling" in response.json()["detail"]
    response = call(client, "post", url, org_owner, {"username": "mia", "role": "Member"})
    assert response.status_code == 409
    assert "change their role instead" in response.json()["detail"]
    response = call(client, "post", url, org_owner, {"username": "stranger", "role": "King"})
    assert response.status_code == 400
    response = call(client, "post", url, org_member, {"username": "stranger", "role": "Member"})
    assert response.status_code == 403
    assert "ask one of its Owners" in response.json()["detail"]
    response = call(client, "post", "/api/v1/invitations/organization-999/accept/", stranger)
    assert response.status_code == 404
    assert "GET /api/v1/invitations/" in response.json()["detail"]
    response = call(client, "post", "/api/v1/invitations/junk/accept/", stranger)
    assert response.status_code == 404


def test_expired_invitation_cannot_be_accepted(client, acme, org_owner, stranger) -> None:
    invitation = OrganizationInvitation.objects.create(
        organization=acme,
        invitee=stranger,
        inviter=org_owner,
        role="Member",
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    response = call(
        client, "post", f"/api/v1/invitations/organization-{invitation.pk}/accept/", stranger
    )
    assert response.status_code == 400
    assert "has expired: ask one of its Owners to invite you again" in response.json()["detail"]
    assert acme.role_of(stranger) is None


def test_manager_cannot_invite_an_owner(client, acme, org_manager, stranger) -> None:
    response = call(
        client,
        "post",
        "/api/v1/organizations/acme/members/",
        org_manager,
        {"username": "stranger", "role": "Owner"},
    )
    assert response.status_code == 403
    assert "only Owners" in response.json()["detail"]


# --- members --------------------------------------------------------------------------------


def test_manager_cannot_remove_an_owner(client, acme, org_owner, org_manager) -> None:
    response = call(client, "delete", "/api/v1/organizations/acme/members/olivia/", org_manager)
    assert response.status_code == 403
    assert "only Owners of organization 'Acme'" in response.json()["detail"]
    assert acme.role_of(org_owner) == "Owner"
    response = call(
        client,
        "patch",
        "/api/v1/organizations/acme/members/olivia/",
        org_manager,
        {"role": "Member"},
    )
    assert response.status_code == 403


def test_last_owner_cannot_leave_or_be_removed(client, acme, org_owner) -> None:
    response = call(client, "delete", "/api/v1/organizations/acme/members/olivia/", org_owner)
    assert response.status_code == 409
    assert "last Owner" in response.json()["detail"]
    assert "make another member an Owner first" in response.json()["detail"]
    response = call(
        client, "patch", "/api/v1/organizations/acme/members/olivia/", org_owner, {"role": "Member"}
    )
    assert response.status_code == 409
    assert acme.role_of(org_owner) == "Owner"


def test_owner_removes_a_member_in_one_step(
    client, acme, org_owner, org_member, mailoutbox
) -> None:
    project = ProjectFactory(name="acme-lib", organization=acme)
    RoleFactory(project=project, user=org_member, role="Maintainer")
    own = ProjectFactory(name="mias-own")
    RoleFactory(project=own, user=org_member, role="Owner")
    team = TeamFactory(organization=acme, name="core")
    TeamMemberFactory(team=team, user=org_member)
    TeamProjectRoleFactory(team=team, project=project, role="Owner")
    assert project.role_of(org_member) == "Owner"
    response = call(client, "delete", "/api/v1/organizations/acme/members/mia/", org_owner)
    assert response.status_code == 204
    assert acme.role_of(org_member) is None
    assert project.role_of(org_member) is None
    assert not team.members.exists()
    assert own.role_of(org_member) == "Owner"  # their own projects are theirs
    event = acme.events.get(tag="organization:member:removed")
    assert "team core" in event.details["removed"]
    assert "Maintainer role on acme-lib" in event.details["removed"]
    summary = next(m for m in mailoutbox if "no longer a member" in m.subject)
    assert "Maintainer role on acme-lib" in summary.body
    assert org_owner.email in summary.to


def test_deactivating_an_account_offboards_it(acme, org_owner, org_member) -> None:
    project = ProjectFactory(name="acme-lib", organization=acme)
    RoleFactory(project=project, user=org_member, role="Owner")
    org_member.is_active = False
    org_member.save()
    assert acme.role_of(org_member) is None
    assert not Role.objects.filter(user=org_member, project=project).exists()
    assert acme.events.filter(tag="organization:member:deactivated").exists()


def test_member_list_only_for_members(client, acme, org_owner, org_member, stranger) -> None:
    body = call(client, "get", "/api/v1/organizations/acme/members/", org_member).json()
    assert sorted((m["username"], m["role"]) for m in body["results"]) == [
        ("mia", "Member"),
        ("olivia", "Owner"),
    ]
    response = call(client, "get", "/api/v1/organizations/acme/members/", stranger)
    assert response.status_code == 404
    assert "/org/acme/" in response.json()["detail"]


def test_settings_for_owners_only(client, acme, org_owner, org_manager) -> None:
    response = call(
        client, "patch", "/api/v1/organizations/acme/", org_manager, {"require_two_factor": True}
    )
    assert response.status_code == 403
    response = call(
        client, "patch", "/api/v1/organizations/acme/", org_owner, {"require_two_factor": True}
    )
    assert response.status_code == 200
    assert response.json()["require_two_factor"] is True
    response = call(
        client, "patch", "/api/v1/organizations/acme/", org_owner, {"link": "javascript:x"}
    )
    assert response.status_code == 400
    assert "https://" in response.json()["detail"]


# --- teams and effective permissions --------------------------------------------------------


def test_teams_give_roles_on_organization_projects(client, acme, org_manager, org_member) -> None:
    project = ProjectFactory(name="acme-lib", organization=acme)
    base = "/api/v1/organizations/acme/teams/"
    assert call(client, "post", base, org_manager, {"name": "Core"}).status_code == 201
    assert call(client, "post", base, org_manager, {"name": "core"}).status_code == 409
    assert call(client, "put", base + "core/members/mia/", org_manager).status_code == 200
    response = call(
        client, "put", base + "core/projects/acme-lib/", org_manager, {"role": "Maintainer"}
    )
    assert response.status_code == 200, response.json()
    assert project.role_of(org_member) == "Maintainer"
    assert can(org_member, Action.UPLOAD, project)
    # A Maintainer through a team can yank nothing and delete nothing.
    for action in (Action.YANK, Action.DELETE, Action.MANAGE_ROLES):
        decision = can(org_member, action, project)
        assert not decision
        assert "ask one of its Owners" in decision.message
    team = call(client, "get", base + "core/", org_member).json()
    assert team["members"] == ["mia"]
    assert team["projects"] == [{"project": "acme-lib", "role": "Maintainer"}]
    # Not a member of the organization: can't be put in a team.
    outsider = UserFactory(username="out")
    response = call(client, "put", base + "core/members/out/", org_manager)
    assert response.status_code == 404
    assert outsider.team_memberships.count() == 0
    # A project outside the organization can't get a team role.
    ProjectFactory(name="elsewhere")
    response = call(
        client, "put", base + "core/projects/elsewhere/", org_manager, {"role": "Owner"}
    )
    assert response.status_code == 404
    assert "transfer it into the organization first" in response.json()["detail"]
    # Members can't manage teams.
    response = call(client, "post", base, org_member, {"name": "mine"})
    assert response.status_code == 403
    assert call(client, "delete", base + "core/projects/acme-lib/", org_manager).status_code == 204
    assert project.role_of(org_member) is None


def test_effective_role_is_the_strongest(acme, org_owner, org_member) -> None:
    project = ProjectFactory(name="acme-lib", organization=acme)
    RoleFactory(project=project, user=org_member, role="Maintainer")
    team = TeamFactory(organization=acme)
    TeamMemberFactory(team=team, user=org_member)
    TeamProjectRoleFactory(team=team, project=project, role="Owner")
    assert project.role_of(org_member) == "Owner"
    assert project.role_of(org_owner) == "Owner"  # organization Owners own every project
    sources = dict((p["user"].username, p["sources"]) for p in project.collaborators())
    assert sources["mia"] == ["Maintainer (direct)", f"Owner (team {team.name})"]
    assert sources["olivia"] == ["Owner (Owner of organization Acme)"]


def test_organization_two_factor_policy(acme, org_owner) -> None:
    person = UserFactory(verified=True)
    OrganizationRole.objects.create(organization=acme, user=person, role="Member")
    project = ProjectFactory(name="acme-lib", organization=acme)
    RoleFactory(project=project, user=person, role="Owner")
    assert can(person, Action.UPLOAD, project)
    acme.require_two_factor = True
    acme.save()
    project = Project.objects.get(pk=project.pk)
    decision = can(person, Action.UPLOAD, project)
    assert not decision
    assert "organization 'Acme' requires two-factor authentication" in decision.message
    assert "turn it on at" in decision.message
    assert not can(person, Action.YANK, project)
    assert can(person, Action.VIEW_MANAGE, project)  # still sees the page with the fix
    from organizations.services import members_without_two_factor

    assert members_without_two_factor(acme) == [person]


# --- transfers ------------------------------------------------------------------------------


def test_transfer_in_keeping_or_dropping_roles(client, acme, org_manager, mailoutbox) -> None:
    project = ProjectFactory(name="tool")
    RoleFactory(project=project, user=org_manager, role="Owner")
    helper = UserFactory(verified=True)
    RoleFactory(project=project, user=helper, role="Maintainer")
    response = call(
        client,
        "post",
        "/api/v1/projects/tool/transfer/",
        org_manager,
        {"organization": "acme", "keep_roles": False},
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {"project": "tool", "organization": "Acme"}
    project.refresh_from_db()
    assert project.organization == acme
    assert not project.roles.exists()
    assert project.events.filter(tag="project:organization:transferred_in").exists()
    assert acme.events.filter(tag="organization:project:transferred_in").exists()
    # Once the direct roles are gone, the Manager keeps nothing there by themselves.
    assert project.role_of(helper) is None


def test_transfer_in_needs_project_owner_and_organization_manager(
    client, acme, org_member, org_manager
) -> None:
    project = ProjectFactory(name="tool")
    RoleFactory(project=project, user=org_member, role="Owner")
    response = call(
        client, "post", "/api/v1/projects/tool/transfer/", org_member, {"organization": "acme"}
    )
    assert response.status_code == 403
    assert "only Owners and Managers of organization 'Acme'" in response.json()["detail"]
    response = call(
        client, "post", "/api/v1/projects/tool/transfer/", org_manager, {"organization": "acme"}
    )
    assert response.status_code == 403
    assert "only an Owner of 'tool'" in response.json()["detail"]


def test_transfer_out_for_organization_owners_only(client, acme, org_owner, org_manager) -> None:
    project = ProjectFactory(name="tool", organization=acme)
    TeamProjectRoleFactory(team=TeamFactory(organization=acme), project=project)
    response = call(
        client, "post", "/api/v1/projects/tool/transfer/", org_manager, {"organization": None}
    )
    assert response.status_code == 403
    assert "only Owners of organization 'Acme'" in response.json()["detail"]
    response = call(
        client, "post", "/api/v1/projects/tool/transfer/", org_owner, {"organization": ""}
    )
    assert response.status_code == 200, response.json()
    project.refresh_from_db()
    assert project.organization is None
    assert project.role_of(org_owner) == "Owner"
    assert not TeamProjectRole.objects.filter(project=project).exists()


def test_transfer_bad_input(client, acme, org_owner) -> None:
    ProjectFactory(name="tool", organization=acme)
    for data in [{}, {"organization": 5}, {"organization": "nope"}, []]:
        response = call(client, "post", "/api/v1/projects/tool/transfer/", org_owner, data)
        assert 400 <= response.status_code < 500, data
        assert response.json()["detail"]
    response = call(
        client, "post", "/api/v1/projects/nope/transfer/", org_owner, {"organization": "acme"}
    )
    assert response.status_code == 404
