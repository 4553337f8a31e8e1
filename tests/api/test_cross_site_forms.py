"""A browser that once answered the API's Basic prompt sends those credentials on its own:
a form on another site must not be able to drive the API with them (CSRF through Basic)."""

from __future__ import annotations

import pytest

from packages.models import Role, RoleInvitation
from tests.api.conftest import basic
from tests.factories import ProjectFactory, RoleFactory, UserFactory
from tokens.models import Token

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha(user):
    project = ProjectFactory(name="Alpha")
    RoleFactory(project=project, user=user, role=Role.Kind.OWNER)
    return project


FORM_ENCODINGS = {
    "urlencoded": "application/x-www-form-urlencoded",
    "multipart": None,  # the test client's default multipart encoding
    "text_plain": "text/plain",
}


def post(client, url, data, encoding, user):
    content_type = FORM_ENCODINGS[encoding]
    if encoding == "urlencoded":
        from urllib.parse import urlencode

        return client.post(url, urlencode(data), content_type=content_type, **basic(user.username))
    if encoding == "text_plain":
        body = "&".join(f"{k}={v}" for k, v in data.items())
        return client.post(url, body, content_type=content_type, **basic(user.username))
    return client.post(url, data, **basic(user.username))


@pytest.mark.parametrize("encoding", FORM_ENCODINGS)
def test_a_cross_site_form_cannot_invite_a_new_owner(client, user, alpha, encoding):
    attacker = UserFactory(verified=True)
    response = post(
        client,
        "/api/v1/projects/alpha/roles/",
        {"username": attacker.username, "role": "Owner"},
        encoding,
        user,
    )
    assert response.status_code == 415
    assert "Content-Type: application/json" in response.json()["detail"]
    assert not RoleInvitation.objects.filter(invitee=attacker).exists()


@pytest.mark.parametrize("encoding", FORM_ENCODINGS)
def test_a_cross_site_form_cannot_create_a_token(client, user, encoding):
    response = post(client, "/api/v1/tokens/", {"name": "planted"}, encoding, user)
    assert response.status_code == 415
    assert not Token.objects.filter(user=user).exists()


def test_json_still_works(client, user, alpha):
    response = client.post(
        "/api/v1/tokens/", {"name": "ci"}, content_type="application/json", **basic(user.username)
    )
    assert response.status_code == 201
