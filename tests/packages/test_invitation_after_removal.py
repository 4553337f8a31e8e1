"""An invitation counts only while the Owner who sent it is still an Owner."""

from __future__ import annotations

import pytest

from packages import services
from packages.models import Role, RoleInvitation
from tests.conftest import login_verified
from tests.factories import RoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_puppet_of_a_removed_owner_cannot_accept(client, project, owner):
    rogue, puppet = UserFactory(verified=True), UserFactory(verified=True)
    RoleFactory(project=project, user=rogue, role=Role.Kind.OWNER)
    invitation = services.role_invite(
        project=project, inviter=rogue, username=puppet.username, role="Owner"
    )
    services.role_remove(project=project, actor=owner, user=rogue)

    login_verified(client, puppet)
    response = client.post(f"/manage/invitations/{invitation.pk}/accept/", follow=True)

    page = response.content.decode()
    assert "no longer one of its Owners" in page and "ask a current Owner to invite you" in page
    assert not Role.objects.filter(project=project, user=puppet).exists()
    assert RoleInvitation.objects.filter(pk=invitation.pk).exists()  # Owners still see it


def test_invitation_from_a_current_owner_is_accepted(client, project, owner):
    invitee = UserFactory(verified=True)
    invitation = services.role_invite(
        project=project, inviter=owner, username=invitee.username, role="Maintainer"
    )
    login_verified(client, invitee)
    client.post(f"/manage/invitations/{invitation.pk}/accept/")
    assert Role.objects.filter(project=project, user=invitee, role="Maintainer").exists()
