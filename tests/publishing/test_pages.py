"""The publishing pages and /api/v1/projects/<p>/publishers/: add, list, remove, policy."""

from __future__ import annotations

import pytest

from packages.models import ProjectEvent
from publishing.models import Publisher
from tests.conftest import login_verified, mark_reauthenticated
from tests.factories import ProjectFactory, PublisherFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

GITHUB = {
    "action": "add",
    "kind": "github",
    "github-owner": "example",
    "github-repository": "app",
    "github-workflow": "release.yml",
    "github-environment": "",
}


@pytest.fixture
def project(owner):
    project = ProjectFactory(name="demo-app")
    RoleFactory(project=project, user=owner, role="Owner")
    return project


@pytest.fixture
def owner_client(client, owner):
    return mark_reauthenticated(login_verified(client, owner))


def test_owner_adds_lists_and_removes_a_github_publisher(owner_client, project, issuer):
    url = "/manage/project/demo-app/publishing/"
    response = owner_client.post(url, GITHUB)
    assert response.status_code == 302
    publisher = Publisher.objects.get()
    assert (publisher.project, publisher.owner, publisher.workflow) == (
        project,
        "example",
        "release.yml",
    )
    assert publisher.issuer == issuer.url("github")
    page = owner_client.get(url)
    assert "GitHub example/app, release.yml" in page.content.decode()
    assert ProjectEvent.objects.filter(tag="project:publisher:added").exists()

    response = owner_client.post(url, {"action": "remove", "publisher": publisher.pk})
    assert response.status_code == 302
    assert not Publisher.objects.exists()
    assert ProjectEvent.objects.filter(tag="project:publisher:removed").exists()


def test_adding_needs_recent_reauthentication(client, owner, project, issuer):
    login_verified(client, owner)
    response = client.post("/manage/project/demo-app/publishing/", GITHUB)
    assert response.status_code == 302
    assert "/reauthenticate/" in response["Location"]
    assert not Publisher.objects.exists()


def test_maintainer_sees_but_cannot_add(client, project, issuer):
    maintainer = UserFactory(verified=True)
    RoleFactory(project=project, user=maintainer, role="Maintainer")
    mark_reauthenticated(login_verified(client, maintainer))
    assert client.get("/manage/project/demo-app/publishing/").status_code == 200
    response = client.post("/manage/project/demo-app/publishing/", GITHUB, follow=True)
    assert not Publisher.objects.exists()
    assert "only an Owner of &#x27;demo-app&#x27; can do that" in response.content.decode()


def test_outsider_gets_404(client, project, issuer):
    mark_reauthenticated(login_verified(client, UserFactory(verified=True)))
    assert client.get("/manage/project/demo-app/publishing/").status_code == 404


def test_bad_workflow_is_refused_with_a_hint(owner_client, project, issuer):
    response = owner_client.post(
        "/manage/project/demo-app/publishing/", {**GITHUB, "github-workflow": "../x"}
    )
    assert response.status_code == 200
    assert "e.g. release.yml" in response.content.decode()
    assert not Publisher.objects.exists()


def test_duplicate_publisher_is_refused(owner_client, project, issuer):
    owner_client.post("/manage/project/demo-app/publishing/", GITHUB)
    response = owner_client.post(
        "/manage/project/demo-app/publishing/", {**GITHUB, "github-owner": "EXAMPLE"}
    )
    assert "already registered" in response.content.decode()
    assert Publisher.objects.count() == 1


def test_gitlab_publisher_on_a_self_managed_issuer(owner_client, project, issuer):
    response = owner_client.post(
        "/manage/project/demo-app/publishing/",
        {
            "action": "add",
            "kind": "gitlab",
            "gitlab-namespace": "group/sub",
            "gitlab-project": "app",
            "gitlab-ci_config_path": "ci/release.yml",
            "gitlab-issuer": issuer.url("gitlab"),
        },
    )
    assert response.status_code == 302
    publisher = Publisher.objects.get()
    assert (publisher.kind, publisher.namespace, publisher.issuer) == (
        "gitlab",
        "group/sub",
        issuer.url("gitlab"),
    )


def test_generic_publisher_with_claims(owner_client, project, issuer):
    response = owner_client.post(
        "/manage/project/demo-app/publishing/",
        {
            "action": "add",
            "kind": "generic",
            "generic-issuer": issuer.url("generic"),
            "generic-subject": "repo:team/app:*",
            "generic-claims": "repository=team/app\nref = refs/heads/main",
        },
    )
    assert response.status_code == 302
    assert Publisher.objects.get().claims == {"repository": "team/app", "ref": "refs/heads/main"}


def test_policy_needs_a_publisher_first(owner_client, project, issuer):
    url = "/manage/project/demo-app/publishing/"
    response = owner_client.post(
        url, {"action": "policy", "require_trusted_publishing": "on"}, follow=True
    )
    assert "add a trusted publisher to &#x27;demo-app&#x27; first" in response.content.decode()
    project.refresh_from_db()
    assert not project.require_trusted_publishing
    PublisherFactory(project=project, issuer=issuer.url("github"))
    owner_client.post(url, {"action": "policy", "require_trusted_publishing": "on"})
    project.refresh_from_db()
    assert project.require_trusted_publishing
    assert ProjectEvent.objects.filter(tag="project:policy:trusted_publishing_only").exists()


def test_pending_publisher_page(client, owner, issuer):
    mark_reauthenticated(login_verified(client, owner))
    response = client.post("/manage/account/publishing/", {**GITHUB, "project_name": "Brand_New"})
    assert response.status_code == 302
    publisher = Publisher.objects.get()
    assert publisher.is_pending and publisher.project_name == "brand-new"
    assert publisher.created_by == owner
    assert "brand-new" in client.get("/manage/account/publishing/").content.decode()
    client.post("/manage/account/publishing/", {"action": "remove", "publisher": publisher.pk})
    assert not Publisher.objects.exists()


def test_pending_publisher_for_a_taken_name_needs_ownership(client, issuer, project):
    mark_reauthenticated(login_verified(client, UserFactory(verified=True)))
    response = client.post(
        "/manage/account/publishing/", {**GITHUB, "project_name": "demo-app"}, follow=True
    )
    assert "only an Owner of &#x27;demo-app&#x27;" in response.content.decode()
    assert not Publisher.objects.exists()


def test_pending_publisher_needs_a_verified_address(client, issuer):
    mark_reauthenticated(login_verified(client, UserFactory(unverified=True)))
    response = client.post(
        "/manage/account/publishing/", {**GITHUB, "project_name": "fresh"}, follow=True
    )
    assert "verify an email address" in response.content.decode()
    assert not Publisher.objects.exists()


# --- API ------------------------------------------------------------------------------------


def test_api_add_list_and_delete(owner_client, project, issuer):
    url = "/api/v1/projects/demo-app/publishers/"
    response = owner_client.post(
        url,
        {"kind": "github", "owner": "example", "repository": "app", "workflow": "release.yml"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    publisher_id = response.json()["id"]
    listed = owner_client.get(url).json()
    assert [p["id"] for p in listed["results"]] == [publisher_id]
    assert listed["results"][0]["description"] == "GitHub example/app, release.yml"
    response = owner_client.delete(f"{url}{publisher_id}/")
    assert response.status_code == 204
    assert not Publisher.objects.exists()


def test_api_pending_publisher_for_unregistered_name(owner_client, issuer):
    url = "/api/v1/projects/new-thing/publishers/"
    response = owner_client.post(
        url,
        {
            "kind": "gitlab",
            "namespace": "group",
            "project": "app",
            "ci_config_path": ".gitlab-ci.yml",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["pending"] is True and response.json()["expires_at"]
    assert owner_client.get(url).json()["count"] == 1
    # Somebody else does not see it.
    other = UserFactory(verified=True)
    owner_client.force_login(other, backend="django.contrib.auth.backends.ModelBackend")
    assert owner_client.get(url).json()["count"] == 0


def test_api_refuses_unknown_kind_and_untrusted_issuer(owner_client, project, issuer):
    url = "/api/v1/projects/demo-app/publishers/"
    bad_kind = owner_client.post(url, {"kind": "jenkins"}, content_type="application/json")
    assert bad_kind.status_code == 400
    bad_issuer = owner_client.post(
        url,
        {"kind": "generic", "issuer": "https://ci.example.com", "subject": "x:*"},
        content_type="application/json",
    )
    assert bad_issuer.status_code == 400
    assert "issuer" in bad_issuer.json()["detail"]
    everything = owner_client.post(
        url,
        {"kind": "generic", "issuer": issuer.url("generic"), "subject": "*"},
        content_type="application/json",
    )
    assert everything.status_code == 400
    assert "subject" in everything.json()["detail"]


def test_api_non_collaborator_is_refused(client, project, issuer):
    client.force_login(
        UserFactory(verified=True), backend="django.contrib.auth.backends.ModelBackend"
    )
    response = client.get("/api/v1/projects/demo-app/publishers/")
    assert response.status_code == 403
    assert "ask one of its Owners" in response.json()["detail"]
