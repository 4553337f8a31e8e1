"""Personas of an organization "acme": an Owner, a Manager, a Member, and an outsider."""

from __future__ import annotations

import json

import pytest

from organizations.models import Organization
from tests.api.conftest import basic, current_code
from tests.factories import OrganizationFactory, OrganizationRoleFactory, UserFactory
from tests.tokens.conftest import github_keys  # noqa: F401 - shared fixture


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings) -> None:
    """Each Basic call checks a password: a fast hasher keeps these tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def acme(db) -> Organization:
    return OrganizationFactory(name="Acme", display_name="Acme Inc.")


def _member(acme: Organization, role: str, username: str):
    user = UserFactory(username=username, verified=True, with_totp=True)
    OrganizationRoleFactory(organization=acme, user=user, role=role)
    return user


@pytest.fixture
def org_owner(acme):
    return _member(acme, "Owner", "olivia")


@pytest.fixture
def org_manager(acme):
    return _member(acme, "Manager", "manfred")


@pytest.fixture
def org_member(acme):
    return _member(acme, "Member", "mia")


@pytest.fixture
def stranger(db):
    return UserFactory(username="stranger", verified=True, with_totp=True)


def auth(user) -> dict[str, str]:
    """HTTP Basic with the password and a current X-OTP code (re-authenticated by nature)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.filter(user=user).update(last_t=-1)  # the same code may be reused
        return basic(user.username, otp=current_code(user))
    return basic(user.username)


def call(client, method: str, url: str, user=None, data=None):
    """One API call as user (JSON body)."""
    headers = auth(user) if user is not None else {}
    kwargs = {"content_type": "application/json"} if data is not None else {}
    body = json.dumps(data) if data is not None else None
    if body is not None:
        kwargs["data"] = body
    return getattr(client, method)(url, **kwargs, **headers)
