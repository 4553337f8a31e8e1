from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.models import AccountEvent
from packages.models import Role
from tests.conftest import login_verified, mark_reauthenticated
from tests.factories import ProjectFactory, RoleFactory, TokenFactory, UserFactory
from tokens import secrets as token_secrets
from tokens.models import Token

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(user):
    project = ProjectFactory(name="alpha")
    RoleFactory(project=project, user=user, role=Role.Kind.OWNER)
    return project


def test_pages_need_sign_in(client) -> None:
    for url in ["/manage/account/tokens/", "/manage/account/tokens/new/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_list_shows_name_scope_and_last_use_but_never_secrets(user_client, user) -> None:
    token = TokenFactory(user=user, name="laptop", projects=["alpha"], last_used_ip="10.0.0.1")
    Token.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    TokenFactory(name="not mine")
    page = user_client.get("/manage/account/tokens/").content.decode()
    assert "laptop" in page and "alpha" in page and "10.0.0.1" in page
    assert "not mine" not in page
    assert token.raw not in page and token.secret_hash not in page


def test_create_shows_the_token_once_with_a_pypirc_snippet(
    reauthed_client, user, project, mailoutbox
) -> None:
    response = reauthed_client.post(
        "/manage/account/tokens/new/",
        {"name": "CI", "scope": "projects", "projects": ["alpha"], "new_projects": "Next.One"},
    )
    assert response.status_code == 200
    token = Token.objects.get(user=user)
    assert token.projects == ["alpha", "next-one"]
    raw = response.context["raw"]
    assert token_secrets.matches(raw, token.secret_hash)
    page = response.content.decode()
    assert "it will not be shown again" in page
    assert "username = __token__" in page and f"password = {raw}" in page
    assert response["Cache-Control"] == "no-store"
    assert raw not in reauthed_client.get("/manage/account/tokens/").content.decode()
    assert AccountEvent.objects.filter(user=user, tag="account:token:created").exists()
    assert len(mailoutbox) == 1


def test_create_account_wide_with_expiry(reauthed_client, user) -> None:
    day = (timezone.now() + timezone.timedelta(days=10)).date().isoformat()
    response = reauthed_client.post(
        "/manage/account/tokens/new/", {"name": "all", "scope": "account", "expires_on": day}
    )
    assert response.status_code == 200
    token = Token.objects.get(user=user)
    assert token.projects == [] and token.expires_at.date().isoformat() == day


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "x", "scope": "projects"}, "Choose at least one project"),
        (
            {"name": "x", "scope": "account", "expires_on": "2001-01-01"},
            "Choose a date after today",
        ),
        ({"name": "x", "scope": "projects", "new_projects": "-bad-"}, "not a valid project name"),
    ],
)
def test_create_refusals_explain_what_to_do(reauthed_client, data, message) -> None:
    response = reauthed_client.post("/manage/account/tokens/new/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Token.objects.exists()


def test_revoke_own_token_only(user_client, user, mailoutbox) -> None:
    mine = TokenFactory(user=user)
    theirs = TokenFactory()
    assert user_client.post(f"/manage/account/tokens/{theirs.pk}/revoke/").status_code == 404
    response = user_client.post(f"/manage/account/tokens/{mine.pk}/revoke/")
    assert response.status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.is_revoked and not theirs.is_revoked
    assert AccountEvent.objects.filter(user=user, tag="account:token:revoked").exists()
    assert "revoked" in mailoutbox[-1].subject
    assert user_client.get(f"/manage/account/tokens/{mine.pk}/revoke/").status_code == 405


def test_project_page_is_pre_scoped_and_owners_see_collaborators_tokens(
    reauthed_client, user, project
) -> None:
    maintainer = UserFactory()
    RoleFactory(project=project, user=maintainer, role=Role.Kind.MAINTAINER)
    their_token = TokenFactory(user=maintainer, name="maintainer laptop", projects=["alpha"])
    TokenFactory(user=maintainer, name="elsewhere", projects=["other"])
    TokenFactory(user=maintainer, name="old", projects=["alpha"], revoked=True)

    page = reauthed_client.get("/manage/project/alpha/tokens/").content.decode()
    assert "maintainer laptop" in page and maintainer.username in page
    assert "elsewhere" not in page and ">old<" not in page
    assert their_token.raw not in page

    response = reauthed_client.post("/manage/project/alpha/tokens/new/", {"name": "release job"})
    assert response.status_code == 200
    assert Token.objects.get(user=user).projects == ["alpha"]


def test_maintainer_does_not_see_others_tokens(client, user, project) -> None:
    maintainer = UserFactory()
    RoleFactory(project=project, user=maintainer, role=Role.Kind.MAINTAINER)
    TokenFactory(user=user, name="owner secret job", projects=["alpha"])
    page = login_verified(client, maintainer).get("/manage/project/alpha/tokens/").content.decode()
    assert "owner secret job" not in page


def test_project_page_needs_a_role(client, project) -> None:
    mark_reauthenticated(login_verified(client, UserFactory()))
    assert client.get("/manage/project/alpha/tokens/").status_code == 404
    assert client.post("/manage/project/alpha/tokens/new/", {"name": "x"}).status_code == 404
    assert not Token.objects.exists()


def test_creating_a_token_asks_to_re_authenticate(user_client) -> None:
    response = user_client.get("/manage/account/tokens/new/")
    assert response.status_code == 302
    assert response["Location"].startswith("/manage/account/reauthenticate/")
