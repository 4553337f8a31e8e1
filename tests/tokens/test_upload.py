"""Uploads with API tokens through the real twine against a live server."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from packages.models import File, Project, Role
from tests.factories import PASSWORD, ProjectFactory, RoleFactory, TokenFactory, UserFactory
from tests.packages.conftest import build_wheel
from tokens.models import Token

pytestmark = pytest.mark.django_db(transaction=True)

TWINE = str(Path(sys.executable).with_name("twine"))


@pytest.fixture
def twine(live_server, tmp_path):
    """Run `twine upload` of a fresh wheel for name; returns (returncode, output)."""
    counter = iter(range(1, 1000))

    def run(name: str, username: str, password: str) -> tuple[int, str]:
        filename, data = build_wheel(name, f"1.{next(counter)}")
        path = tmp_path / filename
        path.write_bytes(data)
        env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
        env.pop("TWINE_USERNAME", None)
        env.pop("TWINE_PASSWORD", None)
        result = subprocess.run(
            [
                TWINE,
                "upload",
                "--repository-url",
                f"{live_server.url}/legacy/",
                "-u",
                username,
                "-p",
                password,
                "--non-interactive",
                "--disable-progress-bar",
                str(path),
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        return result.returncode, " ".join((result.stdout + result.stderr).split())

    return run


@pytest.fixture
def owner(db):
    return UserFactory(verified=True)


@pytest.fixture
def alpha(owner):
    project = ProjectFactory(name="alpha")
    RoleFactory(project=project, user=owner, role=Role.Kind.OWNER)
    return project


@pytest.fixture
def beta(owner):
    project = ProjectFactory(name="beta")
    RoleFactory(project=project, user=owner, role=Role.Kind.OWNER)
    return project


def test_account_wide_token_uploads_and_creates_a_new_project(twine, owner, alpha) -> None:
    token = TokenFactory(user=owner)

    code, output = twine("alpha", "__token__", token.raw)
    assert code == 0, output
    code, output = twine("brand-new", "__token__", token.raw)
    assert code == 0, output

    project = Project.objects.get(normalized_name="brand-new")
    assert Role.objects.get(project=project).user == owner
    assert set(File.objects.values_list("upload_token", flat=True)) == {token.pk}
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_ip == "127.0.0.1"


def test_project_scoped_token_uploads_only_to_its_project(twine, owner, alpha, beta) -> None:
    token = TokenFactory(user=owner, projects=[alpha])

    code, output = twine("alpha", "__token__", token.raw)
    assert code == 0, output

    code, output = twine("beta", "__token__", token.raw)
    assert code == 1
    assert "403" in output
    assert 'the token is scoped to "alpha"; it cannot upload to "beta"' in output
    assert 'Use a token scoped to "beta"' in output

    code, output = twine("gamma", "__token__", token.raw)
    assert code == 1
    assert 'it cannot create the new project "gamma"' in output
    assert 'Create a token scoped to "gamma"' in output
    assert not Project.objects.filter(normalized_name="gamma").exists()
    assert File.objects.filter(release__project=beta).count() == 0


def test_token_scoped_to_an_unregistered_name_creates_that_project(twine, owner) -> None:
    token = TokenFactory(user=owner, projects=["future-pkg"])
    code, output = twine("Future.Pkg", "__token__", token.raw)
    assert code == 0, output
    assert Role.objects.get(project__normalized_name="future-pkg").user == owner


def test_expired_token_is_refused(twine, owner, alpha) -> None:
    token = TokenFactory(user=owner, expires_at=timezone.now() - timedelta(hours=1))
    code, output = twine("alpha", "__token__", token.raw)
    assert code == 1
    assert "403" in output and "this API token expired on" in output
    assert "create a new one at" in output


def test_revoked_token_is_refused(twine, owner, alpha) -> None:
    token = TokenFactory(user=owner, revoked=True)
    code, output = twine("alpha", "__token__", token.raw)
    assert code == 1
    assert "403" in output and "this API token was revoked on" in output
    assert "create a new one at" in output


def test_token_stops_working_when_its_owner_loses_the_role(twine, owner, alpha) -> None:
    maintainer = UserFactory(verified=True)
    RoleFactory(project=alpha, user=maintainer, role=Role.Kind.MAINTAINER)
    token = TokenFactory(user=maintainer, projects=[alpha])
    code, output = twine("alpha", "__token__", token.raw)
    assert code == 0, output

    Role.objects.filter(project=alpha, user=maintainer).delete()
    code, output = twine("alpha", "__token__", token.raw)
    assert code == 1
    assert "403" in output
    assert f"user '{maintainer.username}' isn't allowed to upload to project 'alpha'" in output
    assert "ask one of its Owners to invite you" in output


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("wharf-not-a-token", "the password is not a valid API token"),
        ("wharf-0123456789abcdef_" + "A" * 43, "this API token does not exist"),
    ],
)
def test_malformed_and_unknown_tokens_are_refused(twine, owner, password, message) -> None:
    code, output = twine("alpha", "__token__", password)
    assert code == 1
    assert "403" in output and message in output


def test_token_with_a_username_points_to_token_username(twine, owner, alpha) -> None:
    token = TokenFactory(user=owner)
    code, output = twine("alpha", owner.username, token.raw)
    assert code == 1
    assert "403" in output
    assert "the password is an API token, so the username must be __token__" in output


def test_two_factor_user_cannot_upload_with_a_password(twine) -> None:
    user = UserFactory(verified=True, with_totp=True)
    code, output = twine("two-factor-pkg", user.username, PASSWORD)
    assert code == 1
    assert "403" in output and "API token" in output
    assert "upload with username __token__" in output
    assert not Project.objects.filter(normalized_name="two-factor-pkg").exists()
    assert not Token.objects.exists()
