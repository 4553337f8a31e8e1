"""Personas, bypasses and the real-service fixtures shared by every test."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, TestCase
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from config.celery import app as celery_app
from tests.factories import PASSWORD, UserFactory

__all__ = ["PASSWORD"]


def pytest_configure(config: pytest.Config) -> None:
    """Parallel workers must not flush each other's Redis cache: one database each."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    default = settings.CACHES["default"]
    if "redis" in default["BACKEND"].lower():
        # TEST_REDIS_DB_BASE lets two checkouts run their suites at once on one Redis.
        base = int(os.environ.get("TEST_REDIS_DB_BASE", "1"))
        number = base + int(worker.removeprefix("gw") or 0)
        default["LOCATION"] = re.sub(r"(/\d+)?$", f"/{number}", default["LOCATION"], count=1)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Rate limits and page caches live in the cache: every test starts with it empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _outside_is_local(settings) -> None:
    """Tests never reach the internet: the fake servers of other sites listen on 127.0.0.1."""
    settings.OUTSIDE_ALLOW_PRIVATE_HOSTS = True


@pytest.fixture(autouse=True)
def _breached_passwords_offline(settings) -> None:
    """The breached-password check reads the shipped list; its own tests run a fake HIBP."""
    settings.PWNED_PASSWORDS_URL = "offline"


@pytest.fixture(autouse=True)
def _cheap_password_hashing(settings) -> None:
    """Still Argon2, with tiny parameters: production's cost made every sign-in take ~1 s."""
    settings.PASSWORD_HASHERS = ["tests.hashers.FastArgon2PasswordHasher"]


@pytest.fixture(autouse=True)
def files_storage(settings, tmp_path: Path) -> Path:
    """Distribution files go to a fresh directory per test."""
    root = tmp_path / "files"
    settings.STORAGES = {
        **settings.STORAGES,
        "files": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": "/files/"},
        },
    }
    return root


@pytest.fixture(autouse=True)
def pages_root(settings, tmp_path: Path) -> Path:
    """Pre-rendered simple pages go to a fresh directory per test (packages.pages)."""
    settings.PAGES_STORAGE = ""
    settings.PAGES_ROOT = tmp_path / "pages"
    settings.CDN_PURGE = ""
    return settings.PAGES_ROOT


@pytest.fixture(autouse=True)
def _static_files_without_manifest(settings) -> None:
    """Production serves hashed names from collectstatic's manifest; tests use the finders."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _commit_after_each_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """In production each request commits: run its on-commit work (mail, tasks) as it ends.

    The test database wraps each test in a transaction that never commits, so without
    this, work queued with transaction.on_commit would never run in client tests.
    """
    original = Client.request

    def request(self: Client, **kwargs):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return original(self, **kwargs)

    monkeypatch.setattr(Client, "request", request)


@pytest.fixture(autouse=True)
def _eager_celery(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tasks run in-process unless the test asks for the real worker."""
    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def celery_worker(request: pytest.FixtureRequest) -> Iterator[None]:
    """A real celery worker thread on the configured broker, on a queue of its own."""
    if settings.CELERY_BROKER_URL == "memory://":
        pytest.skip("no CELERY_BROKER_URL: the real worker test needs a broker")
    from celery.contrib.testing.worker import start_worker

    queue = f"wharf-test-{uuid.uuid4().hex}"
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_default_queue
    conf.task_always_eager = False
    conf.task_default_queue = queue
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=[queue]):
            yield
    finally:
        conf.task_always_eager, conf.task_default_queue = saved


@pytest.fixture
def user(db) -> User:
    """A signed-up user with a verified primary address."""
    return UserFactory(verified=True)


@pytest.fixture
def staff(db) -> User:
    """A staff member with an authenticator app (admin needs a second factor)."""
    return UserFactory(verified=True, staff=True, is_superuser=True, with_totp=True)


def login_verified(client: Client, user: User) -> Client:
    """Sign in as user with a passed second factor (bypass for tests not about 2FA)."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def user_client(client: Client, user: User) -> Client:
    """A client signed in as `user` (password only)."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def staff_client(client: Client, staff: User) -> Client:
    """A client signed in as `staff`, second factor passed."""
    return login_verified(client, staff)


def mark_reauthenticated(client: Client) -> Client:
    """Bypass re-authentication: as if the password (and factor) were entered just now."""
    import time

    from accounts.reauth import SESSION_KEY

    session = client.session
    session[SESSION_KEY] = time.time()
    session.save()
    return client


@pytest.fixture
def reauthed_client(user_client: Client) -> Client:
    """`user_client`, re-authenticated: sensitive actions (@reauth_required) go through."""
    return mark_reauthenticated(user_client)
