from __future__ import annotations

import pytest

from packages.models import Role
from tests.api.conftest import basic
from tests.factories import FileFactory, ProjectFactory, ReleaseFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha(user):
    project = ProjectFactory(name="Alpha")
    RoleFactory(project=project, user=user, role=Role.Kind.OWNER)
    return project


def test_projects_lists_only_the_callers_projects_with_their_role(client, user, alpha) -> None:
    maintained = ProjectFactory(name="beta")
    RoleFactory(project=maintained, user=user, role=Role.Kind.MAINTAINER)
    ProjectFactory(name="someone-elses")
    body = client.get("/api/v1/projects/", **basic(user.username)).json()
    assert body["count"] == 2
    assert [(p["name"], p["role"]) for p in body["results"]] == [
        ("Alpha", "Owner"),
        ("beta", "Maintainer"),
    ]


def test_project_detail_by_any_spelling(client, user, alpha) -> None:
    response = client.get("/api/v1/projects/ALPHA/", **basic(user.username))
    assert response.status_code == 200
    assert response.json()["normalized_name"] == "alpha"
    response = client.get("/api/v1/projects/nope/", **basic(user.username))
    assert response.status_code == 404
    assert 'no project named "nope"' in response.json()["detail"]


def test_releases_with_their_files(client, user, alpha) -> None:
    release = ReleaseFactory(project=alpha, version="1.0", canonical_version="1")
    file = FileFactory(release=release, uploaded_by=user)
    body = client.get("/api/v1/projects/alpha/releases/", **basic(user.username)).json()
    assert body["count"] == 1
    (item,) = body["results"]
    assert item["version"] == "1.0"
    assert item["files"][0]["filename"] == file.filename
    assert item["files"][0]["sha256"] == file.sha256
    assert item["files"][0]["uploaded_by"] == user.username


def test_roles_list_for_collaborators_only(client, user, alpha) -> None:
    maintainer = UserFactory()
    RoleFactory(project=alpha, user=maintainer, role=Role.Kind.MAINTAINER)
    body = client.get("/api/v1/projects/alpha/roles/", **basic(maintainer.username)).json()
    assert sorted((r["username"], r["role"]) for r in body["results"]) == sorted(
        [(user.username, "Owner"), (maintainer.username, "Maintainer")]
    )
    outsider = UserFactory()
    response = client.get("/api/v1/projects/alpha/roles/", **basic(outsider.username))
    assert response.status_code == 403
    assert "ask one of its Owners to invite you" in response.json()["detail"]


@pytest.mark.parametrize(
    "url", ["/api/v1/projects/", "/api/v1/projects/alpha/", "/api/v1/projects/alpha/releases/"]
)
def test_project_endpoints_need_authentication(client, alpha, url) -> None:
    assert client.get(url).status_code == 401


def test_owner_invites_changes_and_removes_roles(client, user, alpha, mailoutbox) -> None:
    from packages.models import ProjectEvent, RoleInvitation

    invitee = UserFactory(verified=True)
    response = client.post(
        "/api/v1/projects/alpha/roles/",
        {"username": invitee.username, "role": "Maintainer"},
        content_type="application/json",
        **basic(user.username),
    )
    assert response.status_code == 201, response.content
    assert response.json()["username"] == invitee.username
    assert RoleInvitation.objects.filter(project=alpha, invitee=invitee).exists()

    response = client.post(
        "/api/v1/projects/alpha/roles/",
        {"username": invitee.username, "role": "Maintainer"},
        content_type="application/json",
        **basic(user.username),
    )
    assert response.status_code == 409
    assert "pending invitation" in response.json()["detail"]

    maintainer = UserFactory()
    RoleFactory(project=alpha, user=maintainer, role=Role.Kind.MAINTAINER)
    url = f"/api/v1/projects/alpha/roles/{maintainer.username}/"
    response = client.patch(
        url, {"role": "Owner"}, content_type="application/json", **basic(user.username)
    )
    assert response.status_code == 200
    assert response.json() == {
        "username": maintainer.username,
        "role": "Owner",
        "created": response.json()["created"],
    }
    assert client.delete(url, **basic(user.username)).status_code == 204
    assert not Role.objects.filter(project=alpha, user=maintainer).exists()
    assert ProjectEvent.objects.filter(project=alpha, tag="project:role:removed").exists()


def test_maintainer_cannot_manage_roles(client, user, alpha) -> None:
    maintainer = UserFactory()
    RoleFactory(project=alpha, user=maintainer, role=Role.Kind.MAINTAINER)
    response = client.delete(
        f"/api/v1/projects/alpha/roles/{user.username}/", **basic(maintainer.username)
    )
    assert response.status_code == 403
    assert "only an Owner of 'Alpha' can do that" in response.json()["detail"]
    response = client.post(
        "/api/v1/projects/alpha/roles/",
        {"username": UserFactory().username, "role": "Owner"},
        content_type="application/json",
        **basic(maintainer.username),
    )
    assert response.status_code == 403
    assert Role.objects.filter(project=alpha).count() == 2


def test_last_owner_cannot_be_removed(client, user, alpha) -> None:
    response = client.delete(
        f"/api/v1/projects/alpha/roles/{user.username}/", **basic(user.username)
    )
    assert response.status_code == 409
    assert "make another collaborator an Owner first" in response.json()["detail"]


def test_role_errors_are_clear(client, user, alpha) -> None:
    response = client.patch(
        "/api/v1/projects/alpha/roles/nobody/",
        {"role": "Owner"},
        content_type="application/json",
        **basic(user.username),
    )
    assert response.status_code == 404
    assert "has no role on" in response.json()["detail"]
    response = client.post(
        "/api/v1/projects/alpha/roles/",
        {"username": "ghost", "role": "Owner"},
        content_type="application/json",
        **basic(user.username),
    )
    assert response.status_code == 404
    assert "there is no user named 'ghost'" in response.json()["detail"]
    response = client.post(
        "/api/v1/projects/alpha/roles/",
        {"username": "x", "role": "King"},
        content_type="application/json",
        **basic(user.username),
    )
    assert response.status_code == 400
    assert response.json()["detail"] == 'role: "King" is not a valid choice.'
    assert "role" in response.json()["errors"]
