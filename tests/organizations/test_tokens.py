"""Organization tokens through the API, and secret-scanning revocation of a leaked one."""

from __future__ import annotations

import json

import pytest

from tests.factories import OrganizationTokenFactory, ProjectFactory
from tests.organizations.conftest import call
from tokens.models import Token

pytestmark = pytest.mark.django_db


def test_create_list_and_revoke_through_the_api(client, acme, org_manager, org_owner) -> None:
    ProjectFactory(name="acme-lib", organization=acme)
    ProjectFactory(name="someone-elses")
    url = "/api/v1/organizations/acme/tokens/"
    response = call(
        client, "post", url, org_manager, {"name": "ci", "projects": ["acme-lib", "acme-new"]}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["token"].startswith("wharf-")
    assert body["projects"] == ["acme-lib", "acme-new"]
    assert body["created_by"] == "manfred"
    token = Token.objects.get(pk=body["id"])
    assert token.organization == acme and token.user is None
    assert acme.events.filter(tag="organization:token:created").exists()
    listed = call(client, "get", url, org_owner).json()["results"]
    assert [(t["name"], t["created_by"], t["status"]) for t in listed] == [
        ("ci", "manfred", "active")
    ]
    assert "token" not in listed[0]  # the secret is shown once
    response = call(
        client, "post", url, org_manager, {"name": "bad", "projects": ["someone-elses"]}
    )
    assert response.status_code == 403
    assert "does not belong to organization 'Acme'" in response.json()["detail"]
    response = call(client, "post", url, org_manager, {"name": "", "projects": "x"})
    assert response.status_code == 400
    response = call(
        client, "post", url, org_manager, {"name": "old", "expires_at": "2001-01-01T00:00:00Z"}
    )
    assert response.status_code == 400
    assert "in the past" in response.json()["detail"]
    response = call(client, "delete", f"{url}{token.pk}/", org_owner)
    assert response.status_code == 204
    token.refresh_from_db()
    assert token.is_revoked
    assert call(client, "delete", f"{url}999999/", org_owner).status_code == 404


def test_members_cannot_create_or_list_tokens(client, acme, org_member) -> None:
    url = "/api/v1/organizations/acme/tokens/"
    response = call(client, "post", url, org_member, {"name": "ci"})
    assert response.status_code == 403
    assert "only Owners and Managers" in response.json()["detail"]
    assert call(client, "get", url, org_member).status_code == 403


def test_a_leaked_organization_token_is_revoked_and_the_owners_told(
    client, github_keys, mailoutbox, acme, org_owner
) -> None:
    leaked = OrganizationTokenFactory(organization=acme, name="ci")
    body = json.dumps(
        [
            {
                "token": leaked.raw,
                "type": "wharf_api_token",
                "url": "https://github.com/acme/repo/blob/main/.pypirc",
                "source": "content",
            }
        ]
    ).encode()
    response = client.post(
        "/_/secrets/disclose-token",
        body,
        content_type="application/json",
        **github_keys.headers(body),
    )
    assert response.status_code == 200
    assert response.json()[0]["label"] == "true_positive"
    leaked.refresh_from_db()
    assert leaked.is_revoked
    assert acme.events.filter(tag="organization:token:leaked").exists()
    mail = next(m for m in mailoutbox if org_owner.email in m.to)
    assert "found in public" in mail.body
