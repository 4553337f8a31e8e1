"""Pending publishers: the first successful exchange creates the project for its registrant."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from packages.models import Project, ProjectEvent
from publishing.models import ExchangedToken, Publisher
from tests.factories import ProjectFactory, PublisherFactory, UserFactory
from tests.publishing.conftest import error_codes, mint
from tokens.models import Token

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(issuer, owner):
    return PublisherFactory(
        pending=True, issuer=issuer.url("github"), project_name="brand-new", created_by=owner
    )


def test_first_exchange_creates_the_project_owned_by_the_registrant(client, issuer, pending, owner):
    other = PublisherFactory(
        pending=True,
        issuer=issuer.url("github"),
        project_name="brand-new",
        created_by=UserFactory(verified=True),
        workflow="other.yml",
    )
    response = mint(client, issuer.sign(issuer.github_claims()))
    assert response.status_code == 200, response.content
    project = Project.objects.get(normalized_name="brand-new")
    assert project.roles.get().user == owner
    pending.refresh_from_db()
    assert pending.project == project and pending.expires_at is None
    assert Token.objects.get().projects == ["brand-new"]
    # Others' pending publishers for the same name are void now.
    assert not Publisher.objects.filter(pk=other.pk).exists()
    created = ProjectEvent.objects.get(project=project, tag="project:project:created")
    assert created.actor == owner and "GitHub example/app" in created.details["by_publisher"]


def test_expired_pending_publisher_is_not_used(client, issuer, pending):
    Publisher.objects.filter(pk=pending.pk).update(expires_at=timezone.now() - timedelta(days=1))
    response = mint(client, issuer.sign(issuer.github_claims()))
    assert response.status_code == 422
    assert error_codes(response) == ["invalid-publisher"]
    assert not Project.objects.filter(normalized_name="brand-new").exists()


def test_name_taken_meanwhile_refuses_and_changes_nothing(client, issuer, pending):
    ProjectFactory(name="Brand.New")
    response = mint(client, issuer.sign(issuer.github_claims()))
    assert response.status_code == 422
    assert error_codes(response) == ["invalid-pending-publisher"]
    assert "was registered meanwhile" in response.json()["message"]
    # One transaction: the jti was not spent, no token exists.
    assert not ExchangedToken.objects.exists() and not Token.objects.exists()


def test_registrant_without_verified_address_cannot_create(client, issuer, pending, owner):
    owner.emailaddress_set.update(verified=False)
    response = mint(client, issuer.sign(issuer.github_claims()))
    assert response.status_code == 422
    assert "register the publisher again" in response.json()["message"]


def test_purge_forgets_lapsed_pending_publishers_and_old_jtis(issuer, pending):
    Publisher.objects.filter(pk=pending.pk).update(expires_at=timezone.now() - timedelta(days=1))
    ExchangedToken.objects.create(
        issuer="x", jti="old", expires_at=timezone.now() - timedelta(minutes=1)
    )
    ExchangedToken.objects.create(
        issuer="x", jti="live", expires_at=timezone.now() + timedelta(minutes=1)
    )
    call_command("purge_publishing")
    assert not Publisher.objects.exists()
    assert list(ExchangedToken.objects.values_list("jti", flat=True)) == ["live"]
