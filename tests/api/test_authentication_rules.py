"""The API's authentication rules hold on every operation, not only on /api/v1/tokens/.

Every operation of every /api/v1/ route (read from the URLconf, so a new one is covered
too): anonymous gets 401 with a Basic challenge, an upload token is refused whichever way
it is sent, a 2FA account needs X-OTP; none of these refusals changes anything.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern

from accounts.models import AccountEvent
from config import api_urls
from packages.models import Role, RoleInvitation
from tests.api.conftest import basic, current_code
from tests.factories import (
    OrganizationFactory,
    OrganizationRoleFactory,
    ProjectFactory,
    RoleFactory,
    TeamFactory,
    TokenFactory,
    UserFactory,
)
from tokens.models import Token

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "patch", "put", "delete")
NOT_AUTHENTICATED = {"schema", "docs"}  # public by design (test_schema.py)


def operations() -> list[tuple[str, str]]:
    """(method, route) of every authenticated API operation."""
    found = []
    for pattern in api_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if pattern.name in NOT_AUTHENTICATED:
            continue
        view = pattern.callback.view_class
        route = "/api/v1/" + str(pattern.pattern)
        found += [(method, route) for method in METHODS if hasattr(view, method)]
    return found


OPERATIONS = operations()


@pytest.fixture
def world(db):
    """A 2FA Owner of "alpha" with a Maintainer, an upload token and a pending invitation."""
    owner = UserFactory(username="olga", verified=True, with_totp=True)
    project = ProjectFactory(name="alpha")
    RoleFactory(project=project, user=owner, role=Role.Kind.OWNER)
    maintainer = UserFactory(username="max", verified=True)
    RoleFactory(project=project, user=maintainer, role=Role.Kind.MAINTAINER)
    token = TokenFactory(user=owner)
    acme = OrganizationFactory(name="acme")
    OrganizationRoleFactory(organization=acme, user=owner, role="Owner")
    TeamFactory(organization=acme, name="core")
    return owner, token


def call(client, method: str, route: str, token: Token, **headers):
    path = (
        route.replace("<str:name>", "alpha")
        .replace("<str:username>", "max")
        .replace("<int:token_id>", str(token.pk))
        .replace("<int:publisher_id>", "1")
        .replace("<str:org>", "acme")
        .replace("<str:team>", "core")
        .replace("<str:project>", "alpha")
        .replace("<str:invitation_id>", "organization-1")
    )
    body = {"name": "more", "username": "max", "role": "Owner"}
    if method == "get":
        return client.get(path, **headers)
    return getattr(client, method)(path, body, content_type="application/json", **headers)


def nothing_changed(token: Token) -> None:
    token.refresh_from_db()
    assert Token.objects.count() == 1 and not token.is_revoked
    assert Role.objects.get(user__username="max").role == Role.Kind.MAINTAINER
    assert not RoleInvitation.objects.exists()
    assert not AccountEvent.objects.filter(tag__startswith="account:token:").exists()


def test_every_operation_is_listed() -> None:
    assert len(OPERATIONS) >= 11
    assert ("delete", "/api/v1/tokens/<int:token_id>/") in OPERATIONS
    assert ("patch", "/api/v1/projects/<str:name>/roles/<str:username>/") in OPERATIONS


@pytest.mark.parametrize(("method", "route"), OPERATIONS)
def test_anonymous_is_asked_to_authenticate(client, world, method, route) -> None:
    _, token = world
    response = call(client, method, route, token)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert "Authentication credentials were not provided" in response.json()["detail"]
    nothing_changed(token)


@pytest.mark.parametrize(("method", "route"), OPERATIONS)
@pytest.mark.parametrize("how", ["__token__", "username"])
def test_an_upload_token_is_refused(client, world, method, route, how) -> None:
    owner, token = world
    username = "__token__" if how == "__token__" else owner.username
    response = call(client, method, route, token, **basic(username, token.raw))
    assert response.status_code == 401
    assert "API tokens are for uploads only" in response.json()["detail"]
    nothing_changed(token)


@pytest.mark.parametrize(("method", "route"), OPERATIONS)
def test_a_two_factor_account_needs_x_otp(client, world, method, route) -> None:
    owner, token = world
    response = call(client, method, route, token, **basic(owner.username))
    assert response.status_code == 401
    assert "X-OTP header" in response.json()["detail"]
    nothing_changed(token)


@pytest.mark.parametrize(
    ("method", "route"), [(m, r) for m, r in OPERATIONS if m == "get"], ids=lambda v: v
)
def test_with_x_otp_the_two_factor_account_reads(client, world, method, route) -> None:
    owner, token = world
    response = call(client, method, route, token, **basic(owner.username, otp=current_code(owner)))
    assert response.status_code == 200, response.content
