"""Project management services: roles, invitations, yanks and deletions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import Conflict, NotAllowed, NotFound, WharfError
from core.permissions import Action, can
from packages import services
from packages.models import File, FilenameUse, ProjectEvent, Role, RoleInvitation
from tests.factories import RoleFactory, UserFactory
from tests.packages.conftest import upload, wheel

pytestmark = pytest.mark.django_db


def tags(project) -> list[str]:
    return list(ProjectEvent.objects.filter(project=project).values_list("tag", flat=True))


PROJECT_ACTIONS = [a for a in Action if a.value.startswith("project:")]


@pytest.mark.parametrize(
    ("persona", "action", "allowed"),
    [
        (persona, action, allowed)
        for persona, granted in {
            "owner": set(PROJECT_ACTIONS),
            "maintainer": {Action.UPLOAD, Action.VIEW_MANAGE, Action.VIEW_ROLES, Action.LEAVE},
            "outsider": set(),
            "anonymous": set(),
        }.items()
        for action in PROJECT_ACTIONS
        for allowed in [action in granted]
    ],
)
def test_permission_matrix(request, project, persona, action, allowed):
    from django.contrib.auth.models import AnonymousUser

    user = AnonymousUser() if persona == "anonymous" else request.getfixturevalue(persona)
    assert bool(can(user, action, project)) is allowed


def test_invitation_lifecycle_accept(
    project, owner, outsider, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.role_invite(
            project=project, inviter=owner, username=outsider.username.upper(), role="Maintainer"
        )
    assert invitation.expires_at > timezone.now() + timedelta(days=6)
    invite_mail = next(m for m in mailoutbox if outsider.email in m.to)
    assert "invited you to be Maintainer of demo-pkg" in invite_mail.subject
    assert "/manage/projects/" in invite_mail.body
    assert any(owner.email in m.to for m in mailoutbox)
    with pytest.raises(Conflict, match="pending invitation"):
        services.role_invite(
            project=project, inviter=owner, username=outsider.username, role="Owner"
        )
    with pytest.raises(NotAllowed, match="sign in as the invited user"):
        services.invitation_accept(invitation=invitation, user=owner)
    role = services.invitation_accept(invitation=invitation, user=outsider)
    assert role.role == Role.Kind.MAINTAINER
    assert not RoleInvitation.objects.exists()
    assert {"project:role:invited", "project:role:added"} <= set(tags(project))


def test_invitation_decline_and_revoke(project, owner, outsider):
    invitation = services.role_invite(
        project=project, inviter=owner, username=outsider.username, role="Owner"
    )
    services.invitation_decline(invitation=invitation, user=outsider)
    assert not Role.objects.filter(user=outsider).exists()
    invitation = services.role_invite(
        project=project, inviter=owner, username=outsider.username, role="Owner"
    )
    services.invitation_revoke(invitation=invitation, actor=owner)
    assert not RoleInvitation.objects.exists()
    assert {"project:role:declined", "project:role:invitation_revoked"} <= set(tags(project))


def test_expired_invitation_cannot_be_accepted_and_can_be_renewed(project, owner, outsider):
    invitation = services.role_invite(
        project=project, inviter=owner, username=outsider.username, role="Owner"
    )
    RoleInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    invitation.refresh_from_db()
    with pytest.raises(WharfError, match="expired: ask one of its Owners to invite you again"):
        services.invitation_accept(invitation=invitation, user=outsider)
    assert not Role.objects.filter(user=outsider).exists()
    services.role_invite(project=project, inviter=owner, username=outsider.username, role="Owner")


def test_invite_refusals(project, owner, maintainer, outsider):
    with pytest.raises(NotAllowed, match="only an Owner"):
        services.role_invite(
            project=project, inviter=maintainer, username=outsider.username, role="Owner"
        )
    with pytest.raises(NotFound, match="check the spelling"):
        services.role_invite(project=project, inviter=owner, username="nobody-here", role="Owner")
    with pytest.raises(Conflict, match="change it instead"):
        services.role_invite(
            project=project, inviter=owner, username=maintainer.username, role="Owner"
        )
    with pytest.raises(WharfError, match="choose Owner or Maintainer"):
        services.role_invite(project=project, inviter=owner, username=outsider.username, role="God")
    unverified = UserFactory(unverified=True)
    with pytest.raises(WharfError, match="ask them to verify one"):
        services.role_invite(
            project=project, inviter=owner, username=unverified.username, role="Owner"
        )


def test_last_owner_protection(project, owner, maintainer):
    with pytest.raises(Conflict, match="last Owner .* make another collaborator an Owner first"):
        services.project_leave(project=project, user=owner)
    with pytest.raises(Conflict, match="last Owner"):
        services.role_change(project=project, actor=owner, user=owner, role="Maintainer")
    with pytest.raises(Conflict, match="last Owner"):
        services.role_remove(project=project, actor=owner, user=owner)
    services.role_change(project=project, actor=owner, user=maintainer, role="Owner")
    services.project_leave(project=project, user=owner)
    assert list(project.roles.values_list("user", "role")) == [(maintainer.pk, "Owner")]


def test_role_change_and_remove_are_recorded_and_mailed(
    project, owner, maintainer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.role_change(project=project, actor=owner, user=maintainer, role="Owner")
    assert any(
        maintainer.email in m.to and "from Maintainer to Owner" in m.body for m in mailoutbox
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.role_remove(project=project, actor=owner, user=maintainer)
    assert not Role.objects.filter(user=maintainer).exists()
    assert {"project:role:changed", "project:role:removed"} <= set(tags(project))
    with pytest.raises(NotFound):
        services.role_remove(project=project, actor=owner, user=maintainer)


def test_maintainer_cannot_manage(project, maintainer, owner):
    with pytest.raises(NotAllowed, match="ask one of its Owners"):
        services.role_remove(project=project, actor=maintainer, user=owner)
    services.project_leave(project=project, user=maintainer)
    assert "project:role:left" in tags(project)


def test_yank_unyank_and_deletes(client, project, owner, maintainer, files_storage):
    upload(client, wheel("demo-pkg", "1.0"), owner.username)
    upload(client, wheel("demo-pkg", "2.0"), owner.username)
    release = project.releases.get(version="1.0")
    with pytest.raises(NotAllowed):
        services.release_yank(release=release, actor=maintainer, reason="x")
    with django_on_commit():
        services.release_yank(release=release, actor=owner, reason="broken build")
    release.refresh_from_db()
    assert release.yanked and release.yanked_reason == "broken build"
    assert 'data-yanked="broken build"' in client.get("/simple/demo-pkg/").content.decode()
    with pytest.raises(Conflict):
        services.release_yank(release=release, actor=owner)
    with django_on_commit():
        services.release_unyank(release=release, actor=owner)
    assert "data-yanked" not in client.get("/simple/demo-pkg/").content.decode()

    file = File.objects.get(release=release)
    with pytest.raises(WharfError, match="type '.*' exactly"):
        services.file_delete(file=file, actor=owner, confirm="nope")
    stored = files_storage / file.path
    assert stored.exists()
    with django_on_commit():
        services.file_delete(file=file, actor=owner, confirm=file.filename)
    assert not stored.exists() and not (files_storage / file.metadata_path).exists()
    assert FilenameUse.objects.filter(filename=file.filename).exists()
    assert file.filename not in client.get("/simple/demo-pkg/").content.decode()

    release2 = project.releases.get(version="2.0")
    with pytest.raises(WharfError, match="type '2.0' exactly"):
        services.release_delete(release=release2, actor=owner, confirm="2")
    with django_on_commit():
        services.release_delete(release=release2, actor=owner, confirm="2.0")
    assert not project.releases.filter(version="2.0").exists()
    assert list(files_storage.rglob("*.whl")) == []
    project.refresh_from_db()
    assert project.total_size == 0
    assert {
        "project:release:yanked",
        "project:release:unyanked",
        "project:file:deleted",
        "project:release:deleted",
    } <= set(tags(project))


def django_on_commit():
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def test_two_factor_setting(project, owner, maintainer):
    with pytest.raises(NotAllowed):
        services.project_set_two_factor(project=project, actor=maintainer, required=True)
    services.project_set_two_factor(project=project, actor=owner, required=True)
    project.refresh_from_db()
    assert project.require_two_factor
    assert "project:settings:two_factor_required" in tags(project)


def test_role_factory_default(db):
    assert RoleFactory().role == "Owner"
