"""Uploading with a minted token: scope, lifetime, revocation, the trusted-publishing-only
policy, and the project history naming the CI run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from packages.models import File, ProjectEvent
from tests.conftest import login_verified, mark_reauthenticated
from tests.factories import ProjectFactory, PublisherFactory, RoleFactory, TokenFactory
from tests.packages.conftest import basic_auth, wheel
from tests.publishing.conftest import mint
from tokens.models import Token

pytestmark = pytest.mark.django_db


@pytest.fixture
def publisher(issuer, owner):
    publisher = PublisherFactory(issuer=issuer.url("github"), project__name="ci-app")
    RoleFactory(project=publisher.project, user=owner, role="Owner")
    return publisher


@pytest.fixture
def minted(client, issuer, publisher) -> str:
    response = mint(client, issuer.sign(issuer.github_claims()))
    assert response.status_code == 200, response.content
    return response.json()["token"]


def upload(client, dist, token: str):
    return client.post("/legacy/", dist.form(), HTTP_AUTHORIZATION=basic_auth("__token__", token))


def test_minted_token_uploads_and_history_names_the_run(client, minted, publisher):
    response = upload(client, wheel("ci-app", "1.0"), minted)
    assert response.status_code == 200, response.content
    file = File.objects.get()
    assert file.uploaded_by is None
    event = ProjectEvent.objects.get(tag="project:file:uploaded")
    assert event.actor is None
    assert event.details["published_by"] == (
        "GitHub Actions run 9876543210 of example/app@0123456789ab (release.yml, refs/tags/v1.0)"
    )
    page = client.get("/project/ci-app/")
    assert page.status_code == 200


def test_minted_token_refused_on_another_project(client, minted, owner):
    other = ProjectFactory(name="other-app")
    RoleFactory(project=other, user=owner, role="Owner")
    response = upload(client, wheel("other-app", "1.0"), minted)
    assert response.status_code == 403
    assert 'scoped to "ci-app"' in response.reason_phrase
    assert not File.objects.exists()


def test_minted_token_cannot_create_a_project(client, minted):
    response = upload(client, wheel("unregistered", "1.0"), minted)
    assert response.status_code == 403
    assert not File.objects.exists()


def test_minted_token_refused_after_15_minutes(client, minted):
    Token.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = upload(client, wheel("ci-app", "1.0"), minted)
    assert response.status_code == 403
    assert "expired" in response.reason_phrase
    assert not File.objects.exists()


def test_minted_token_keeps_working_until_expiry_after_publisher_removal(client, minted, publisher):
    publisher.delete()
    assert upload(client, wheel("ci-app", "1.0"), minted).status_code == 200


def test_burned_token_is_refused(client, minted):
    response = client.post("/_/oidc/burn-token", {"token": minted}, content_type="application/json")
    assert response.status_code == 202
    refused = upload(client, wheel("ci-app", "1.0"), minted)
    assert refused.status_code == 403 and "revoked" in refused.reason_phrase


def test_minted_token_cannot_call_the_api(client, minted):
    response = client.get("/api/v1/tokens/", HTTP_AUTHORIZATION=basic_auth("__token__", minted))
    assert response.status_code in (401, 403)
    assert "uploads only" in response.json()["detail"]


def test_trusted_publishing_only_refuses_a_personal_token(client, minted, publisher, owner):
    project = publisher.project
    project.require_trusted_publishing = True
    project.save()
    personal = TokenFactory(user=owner, projects=[project])
    response = upload(client, wheel("ci-app", "1.0"), personal.raw)
    assert response.status_code == 403
    assert "accepts uploads only from its trusted publishers" in response.reason_phrase
    assert "/manage/project/ci-app/publishing/" in response.reason_phrase
    # The publisher's token still uploads.
    assert upload(client, wheel("ci-app", "1.0"), minted).status_code == 200


def test_owner_revokes_a_minted_token_at_once(client, minted, owner):
    browser = mark_reauthenticated(login_verified(client, owner))
    page = browser.get("/manage/project/ci-app/tokens/")
    assert "GitHub Actions run 9876543210" in page.content.decode()
    token = Token.objects.get()
    response = browser.post(f"/manage/project/ci-app/tokens/minted/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.is_revoked
    assert ProjectEvent.objects.filter(tag="project:publisher:token_revoked").exists()
    browser.logout()
    refused = upload(client, wheel("ci-app", "1.0"), minted)
    assert refused.status_code == 403 and "was revoked" in refused.reason_phrase
    assert "re-run the job" in refused.reason_phrase
