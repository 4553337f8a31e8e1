"""Recovery personas ("dag", support staff) and a local fake web server for challenges."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts.models import User
from recovery.permissions import SUPPORT_STAFF_GROUP
from tests.conftest import login_verified
from tests.factories import ProjectFactory, ReleaseFactory, RoleFactory, UserFactory

ATTEST_REPOSITORY = "https://github.com/dag-dev/attest"


@pytest.fixture
def dag(db) -> User:
    """The seed's user: unverified email, never signed in for years, Owner of "Attest"."""
    user = UserFactory(username="dag", email="dag@oldmail.example", unverified=True)
    project = ProjectFactory(name="Attest")
    RoleFactory(project=project, user=user, role="Owner")
    ReleaseFactory(
        project=project,
        version="1.0",
        home_page="",
        project_urls={"Source": ATTEST_REPOSITORY, "Docs": "https://attest.example/docs"},
    )
    return user


@pytest.fixture
def owner(db) -> User:
    """An account with a verified address: the real owner who gets the warnings."""
    return UserFactory(username="ruth", email="ruth@example.com", verified=True)


def make_support_staff(**kwargs) -> User:
    """Staff in the Support staff group, not superuser, with an authenticator app."""
    user = UserFactory(verified=True, staff=True, with_totp=True, **kwargs)
    user.groups.add(Group.objects.get(name=SUPPORT_STAFF_GROUP))
    return user


@pytest.fixture
def support(db) -> User:
    return make_support_staff(username="sam-support")


@pytest.fixture
def support_client(support: User) -> Client:
    return login_verified(Client(), support)


class FakeWeb:
    """Serves `pages[path] = (status, body)` on 127.0.0.1; everything else is 404."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, bytes]] = {}
        self.requests: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                fake.requests.append(self.path)
                status, body = fake.pages.get(self.path, (404, b"not found"))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_web(settings) -> Iterator[FakeWeb]:
    """A local web server standing in for the repository host (never the internet)."""
    settings.RECOVERY_CHALLENGE_ALLOW_PRIVATE_HOSTS = True
    web = FakeWeb()
    yield web
    web.close()
