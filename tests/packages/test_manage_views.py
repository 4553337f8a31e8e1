"""The /manage/ project pages through the test client."""

from __future__ import annotations

import pytest
from django.test import Client

from packages.models import Release, Role, RoleInvitation
from tests.conftest import mark_reauthenticated
from tests.packages.conftest import upload, wheel

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    """Signed in and re-authenticated (role changes ask for the password: not these tests')."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return mark_reauthenticated(client)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_pages_need_sign_in_and_a_role(client, project, outsider):
    assert client.get("/manage/projects/").status_code == 302
    assert signed_in(outsider).get("/manage/project/demo-pkg/").status_code == 404
    assert signed_in(outsider).get("/manage/project/demo-pkg/collaboration/").status_code == 404


def test_projects_page_lists_roles_and_invitations(project, owner, outsider, mailoutbox):
    page = signed_in(owner).get("/manage/projects/")
    assert "demo-pkg" in page.content.decode() and "Owner" in page.content.decode()
    owner_client = signed_in(owner)
    response = owner_client.post(
        "/manage/project/demo-pkg/collaboration/",
        {"action": "invite", "username": outsider.username, "role": "Maintainer"},
        follow=True,
    )
    assert f"Invitation sent to {outsider.username}." in messages_of(response)
    assert any(outsider.email in m.to for m in mailoutbox)
    invitee = signed_in(outsider)
    page = invitee.get("/manage/projects/").content.decode()
    assert "Invitations" in page and "demo-pkg" in page
    invitation = RoleInvitation.objects.get()
    response = invitee.post(f"/manage/invitations/{invitation.pk}/accept/", follow=True)
    assert "You are now Maintainer of demo-pkg." in messages_of(response)
    assert Role.objects.get(user=outsider).role == "Maintainer"
    events = owner_client.get("/manage/project/demo-pkg/").content.decode()
    invited, joined = f"Invited {outsider.username} as Maintainer", f"{outsider.username} became"
    assert invited in events and joined in events


def test_decline_and_revoke_through_pages(project, owner, outsider):
    owner_client = signed_in(owner)
    invite = {"action": "invite", "username": outsider.username, "role": "Owner"}
    owner_client.post("/manage/project/demo-pkg/collaboration/", invite)
    invitation = RoleInvitation.objects.get()
    response = signed_in(outsider).post(
        f"/manage/invitations/{invitation.pk}/decline/", follow=True
    )
    assert "You declined the invitation to demo-pkg." in messages_of(response)
    owner_client.post("/manage/project/demo-pkg/collaboration/", invite)
    invitation = RoleInvitation.objects.get()
    # Someone else can't answer another person's invitation.
    assert signed_in(owner).post(f"/manage/invitations/{invitation.pk}/accept/").status_code == 404
    response = owner_client.post(
        "/manage/project/demo-pkg/collaboration/",
        {"action": "revoke", "invitation": invitation.pk},
        follow=True,
    )
    assert f"Invitation of {outsider.username} revoked." in messages_of(response)
    assert not RoleInvitation.objects.exists()


def test_refusals_show_as_messages(project, owner, maintainer):
    owner_client = signed_in(owner)
    response = owner_client.post("/manage/project/demo-pkg/", {"action": "leave"}, follow=True)
    assert any(
        "last Owner" in m and "make another collaborator an Owner first" in m
        for m in messages_of(response)
    )
    response = signed_in(maintainer).post(
        "/manage/project/demo-pkg/collaboration/",
        {"action": "remove", "user": owner.pk},
        follow=True,
    )
    assert any("only an Owner" in m for m in messages_of(response))
    assert Role.objects.filter(user=owner).exists()


def test_change_role_remove_and_leave(project, owner, maintainer):
    owner_client = signed_in(owner)
    owner_client.post(
        "/manage/project/demo-pkg/collaboration/",
        {"action": "change", "user": maintainer.pk, "role": "Owner"},
    )
    assert Role.objects.get(user=maintainer).role == "Owner"
    response = owner_client.post("/manage/project/demo-pkg/", {"action": "leave"})
    assert response["Location"] == "/manage/projects/"
    assert not Role.objects.filter(user=owner).exists()


def test_yank_and_delete_through_pages(client, project, owner):
    upload(client, wheel("demo-pkg", "1.0"), owner.username)
    release = Release.objects.get()
    owner_client = mark_reauthenticated(signed_in(owner))  # deleting asks for the password
    page = owner_client.post(
        "/manage/project/demo-pkg/",
        {"action": "yank", "release": release.pk, "reason": "bad"},
        follow=True,
    )
    assert "Yanked 1.0." in messages_of(page)
    assert 'data-yanked="bad"' in client.get("/simple/demo-pkg/").content.decode()
    owner_client.post("/manage/project/demo-pkg/", {"action": "unyank", "release": release.pk})
    assert not Release.objects.get().yanked
    response = owner_client.post(
        "/manage/project/demo-pkg/release/1.0/",
        {"action": "delete_release", "confirm": "wrong"},
        follow=True,
    )
    assert any("type '1.0' exactly" in m for m in messages_of(response))
    file = release.files.get()
    page = owner_client.get("/manage/project/demo-pkg/release/1.0/").content.decode()
    assert file.filename in page
    owner_client.post(
        "/manage/project/demo-pkg/release/1.0/",
        {"action": "delete_file", "file": file.pk, "confirm": file.filename},
    )
    assert not release.files.exists()
    response = owner_client.post(
        "/manage/project/demo-pkg/release/1.0/", {"action": "delete_release", "confirm": "1.0"}
    )
    assert response["Location"] == "/manage/project/demo-pkg/"
    assert not Release.objects.exists()


def test_owner_toggles_two_factor_requirement(project, owner):
    signed_in(owner).post(
        "/manage/project/demo-pkg/", {"action": "two_factor", "require_two_factor": "on"}
    )
    project.refresh_from_db()
    assert project.require_two_factor


def test_project_page_links_to_management_for_collaborators(project, owner, outsider):
    from tests.factories import ReleaseFactory

    ReleaseFactory(project=project, version="1.0")
    assert "Manage project" in signed_in(owner).get("/project/demo-pkg/").content.decode()
    assert "Manage project" not in signed_in(outsider).get("/project/demo-pkg/").content.decode()
