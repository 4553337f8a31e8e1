"""Least privilege in the token admin: looking at tokens does not allow revoking them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from tests.conftest import login_verified
from tests.factories import TokenFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_staff_who_may_only_view_tokens_cannot_revoke_them(client):
    viewer = UserFactory(verified=True, staff=True, with_totp=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_token"))
    login_verified(client, viewer)
    token = TokenFactory()
    listing = client.get("/admin/tokens/token/")
    assert listing.status_code == 200
    assert "Revoke the selected tokens" not in listing.content.decode()
    response = client.post(
        "/admin/tokens/token/", {"action": "revoke", "_selected_action": [token.pk]}
    )
    token.refresh_from_db()
    assert not token.is_revoked
    assert "Revoke the selected tokens" not in response.content.decode()  # not offered
