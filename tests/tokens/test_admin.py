from __future__ import annotations

import pytest

from accounts.models import AccountEvent
from tests.factories import TokenFactory

pytestmark = pytest.mark.django_db


def test_staff_see_tokens_but_never_their_hash(staff_client) -> None:
    token = TokenFactory(name="ci job", projects=["alpha"])
    listing = staff_client.get("/admin/tokens/token/").content.decode()
    assert "ci job" in listing and "alpha" in listing
    page = staff_client.get(f"/admin/tokens/token/{token.pk}/change/").content.decode()
    assert token.public_id in page
    assert token.secret_hash not in page and token.raw not in page


def test_staff_revoke_action_goes_through_the_service(staff_client, staff, mailoutbox) -> None:
    token = TokenFactory()
    response = staff_client.post(
        "/admin/tokens/token/", {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.is_revoked and token.revoked_reason == "revoked by the index's staff"
    event = AccountEvent.objects.get(user=token.user, tag="account:token:revoked")
    assert event.details["revoked_by_staff"] == staff.username
    assert mailoutbox[-1].to == [token.user.email]


def test_admin_needs_two_factor(client, staff) -> None:
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/admin/tokens/token/").status_code == 302
