"""An organization's trusted publishers: Owners and Managers register them for its projects
or for a new name, whose first token exchange creates the project in the organization."""

from __future__ import annotations

import pytest

from organizations.models import OrganizationEvent
from packages.models import Project, ProjectEvent
from publishing.models import Publisher
from tests.conftest import login_verified, mark_reauthenticated
from tests.factories import (
    OrganizationFactory,
    OrganizationRoleFactory,
    ProjectFactory,
    PublisherFactory,
    RoleFactory,
    UserFactory,
)
from tests.publishing.conftest import error_codes, mint
from tokens.models import Token

pytestmark = pytest.mark.django_db

URL = "/api/v1/organizations/acme/publishers/"
GITHUB = {"kind": "github", "owner": "example", "repository": "app", "workflow": "release.yml"}


@pytest.fixture
def acme():
    return OrganizationFactory(name="acme")


def _member(client, organization, role: str):
    user = UserFactory(verified=True)
    OrganizationRoleFactory(organization=organization, user=user, role=role)
    return mark_reauthenticated(login_verified(client, user)), user


def test_a_manager_registers_a_pending_publisher_that_creates_the_project_in_it(
    client, acme, issuer
):
    manager_client, manager = _member(client, acme, "Manager")
    response = manager_client.post(
        URL, {**GITHUB, "project_name": "acme-tool"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["pending"] is True and response.json()["project"] == "acme-tool"
    assert OrganizationEvent.objects.filter(
        organization=acme, tag="organization:publisher:pending"
    ).exists()
    # Not the manager's personal pending publisher.
    assert "acme-tool" not in manager_client.get("/manage/account/publishing/").content.decode()

    minted = mint(client, issuer.sign(issuer.github_claims()))
    assert minted.status_code == 200, minted.content
    project = Project.objects.get(normalized_name="acme-tool")
    assert project.organization == acme and not project.roles.exists()
    publisher = Publisher.objects.get()
    assert publisher.project == project and publisher.organization is None
    assert Token.objects.get().projects == ["acme-tool"]
    created = ProjectEvent.objects.get(project=project, tag="project:project:created")
    assert created.actor is None and "GitHub example/app" in created.details["by_publisher"]
    # The organization's list shows it as a publisher of its project now.
    listed = manager_client.get(URL).json()["results"]
    assert [(p["project"], p["pending"]) for p in listed] == [("acme-tool", False)]


def test_members_see_but_do_not_add_and_outsiders_get_404(client, acme, issuer):
    member_client, _member_user = _member(client, acme, "Member")
    refused = member_client.post(
        URL, {**GITHUB, "project_name": "acme-tool"}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert "Owners and Managers" in refused.json()["detail"]
    assert member_client.get(URL).status_code == 200
    page = member_client.get("/manage/organization/acme/publishing/")
    assert page.status_code == 200 and "Add publisher" not in page.content.decode()

    member_client.force_login(
        UserFactory(verified=True), backend="django.contrib.auth.backends.ModelBackend"
    )
    assert member_client.get(URL).status_code == 404
    assert member_client.get("/manage/organization/acme/publishing/").status_code == 404
    assert not Publisher.objects.exists()


def test_adding_needs_recent_reauthentication(client, acme, issuer):
    user = UserFactory(verified=True)
    OrganizationRoleFactory(organization=acme, user=user, role="Owner")
    login_verified(client, user)
    response = client.post(
        URL, {**GITHUB, "project_name": "acme-tool"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not Publisher.objects.exists()


def test_projects_of_the_organization_only_and_no_reserved_names(client, acme, issuer):
    owner_client, _owner = _member(client, acme, "Owner")
    ProjectFactory(name="acme-lib", organization=acme)
    other = ProjectFactory(name="someone-elses")
    RoleFactory(project=other, role="Owner")

    ours = owner_client.post(
        URL, {**GITHUB, "project_name": "acme-lib"}, content_type="application/json"
    )
    assert ours.status_code == 201 and ours.json()["pending"] is False
    theirs = owner_client.post(
        URL, {**GITHUB, "project_name": "someone-elses"}, content_type="application/json"
    )
    assert theirs.status_code == 403
    assert "does not belong to organization 'acme'" in theirs.json()["detail"]
    reserved = owner_client.post(
        URL, {**GITHUB, "project_name": "asyncio"}, content_type="application/json"
    )
    assert reserved.status_code == 400 and "reserved" in reserved.json()["detail"]
    assert Publisher.objects.count() == 1


def test_a_manager_removes_a_publisher_of_an_organization_project(client, acme, issuer):
    project = ProjectFactory(name="acme-lib", organization=acme)
    publisher = PublisherFactory(project=project, issuer=issuer.url("github"))
    manager_client, _manager = _member(client, acme, "Manager")
    # Through the organization's page, as a Manager (no role on the project itself).
    response = manager_client.post(
        "/manage/organization/acme/publishing/", {"action": "remove", "publisher": publisher.pk}
    )
    assert response.status_code == 302
    assert not Publisher.objects.exists()
    assert ProjectEvent.objects.filter(project=project, tag="project:publisher:removed").exists()
    assert OrganizationEvent.objects.filter(tag="organization:publisher:removed").exists()


def test_the_page_adds_a_pending_publisher_and_a_deactivated_organization_cannot_use_it(
    client, acme, issuer
):
    owner_client, _owner = _member(client, acme, "Owner")
    response = owner_client.post(
        "/manage/organization/acme/publishing/",
        {
            "action": "add",
            "kind": "github",
            "project_name": "acme-tool",
            "github-owner": "example",
            "github-repository": "app",
            "github-workflow": "release.yml",
        },
    )
    assert response.status_code == 302
    assert Publisher.objects.get().organization == acme
    assert "acme-tool" in owner_client.get("/manage/organization/acme/publishing/").content.decode()

    acme.status = acme.Status.DEACTIVATED
    acme.save()
    refused = mint(client, issuer.sign(issuer.github_claims()))
    assert refused.status_code == 422 and error_codes(refused) == ["invalid-pending-publisher"]
    assert "not active" in refused.json()["message"]
    assert not Project.objects.filter(normalized_name="acme-tool").exists()


def test_a_personal_pending_publisher_cannot_take_a_reserved_name(client, issuer):
    owner = UserFactory(verified=True)
    owner_client = mark_reauthenticated(login_verified(client, owner))
    response = owner_client.post(
        "/api/v1/projects/asyncio/publishers/", GITHUB, content_type="application/json"
    )
    assert response.status_code == 400 and "standard library" in response.json()["detail"]
    # One registered before the name was reserved still cannot create it.
    PublisherFactory(
        project=None, project_name="asyncio", created_by=owner, issuer=issuer.url("github")
    )
    Publisher.objects.update(expires_at="2999-01-01T00:00:00Z")
    refused = mint(client, issuer.sign(issuer.github_claims()))
    assert refused.status_code == 422 and "standard library" in refused.json()["message"]
