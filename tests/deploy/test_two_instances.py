"""Scale-out: two gunicorn instances on one PostgreSQL + Redis are one index.

State lives outside the web processes (rows and sessions in PostgreSQL, cache and limits in
Redis, files and pre-rendered pages in shared storage), so an upload through one instance
is installable through the other at once, and a sign-in on one is valid on the other.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection

from tests.factories import TokenFactory, UserFactory
from tests.packages.conftest import build_wheel
from tests.packages.test_clients import BIN, installed_versions, run, twine, write

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="module")
def instances(tmp_path_factory, django_db_setup, django_db_blocker) -> Iterator[tuple[str, str]]:
    tmp_path = tmp_path_factory.mktemp("instances")
    if connection.vendor != "postgresql":
        pytest.skip("two instances share one PostgreSQL: runs in CI's PostgreSQL pass")
    cache = settings.CACHES["default"]
    if "redis" not in cache["BACKEND"].lower():
        pytest.skip("two instances share one Redis cache: set CACHE_URL")
    shared = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "CACHE_URL": cache["LOCATION"],
        "CELERY_BROKER_URL": "",
        "SECRET_KEY": settings.SECRET_KEY,  # sessions are signed with it: one for all instances
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "FILES_ROOT": str(tmp_path / "files"),
        "PAGES_ROOT": str(tmp_path / "pages"),
        "EMAIL_URL": f"filemail://{tmp_path / 'mail'}",
        "NO_PROXY": "*",
    }
    servers, urls = [], []
    for name in ("a", "b"):
        port = free_port()
        env = {**os.environ, **shared, "SITE_URL": f"http://127.0.0.1:{port}"}
        env = {k: v for k, v in env.items() if not k.startswith("PYTEST")}
        log = open(tmp_path / f"gunicorn-{name}.log", "wb")  # noqa: SIM115 - closed below
        servers.append(
            (
                subprocess.Popen(
                    [
                        sys.executable, "-m", "gunicorn", "config.wsgi", "-w", "2",
                        "-b", f"127.0.0.1:{port}", "--timeout", "120",
                    ],
                    cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                ),
                log,
            )
        )  # fmt: skip
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for (server, _), url in zip(servers, urls, strict=True):
            for _ in range(600):
                if server.poll() is not None:
                    pytest.fail((tmp_path / "gunicorn-a.log").read_text())
                try:
                    if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    time.sleep(0.1)
        yield urls[0], urls[1]
    finally:
        for server, log in servers:
            server.terminate()
            server.wait(timeout=20)
            log.close()


def test_upload_through_one_install_through_the_other(instances, tmp_path: Path):
    first, second = instances
    owner = UserFactory(verified=True)
    token = TokenFactory(user=owner)
    out = tmp_path / "dist"
    out.mkdir()
    files = [write(out, build_wheel("scale-out", v)) for v in ("1.0", "1.1")]
    result = twine(first, "__token__", *files, password=token.raw)
    assert result.returncode == 0, result.output
    target = tmp_path / "pip"
    run(
        str(BIN / "python"), "-m", "pip", "install", "--no-cache-dir",
        "--index-url", f"{second}/simple/", "--target", str(target), "scale-out",
    )  # fmt: skip
    assert installed_versions(target) == {"scale_out": "1.1"}
    uv_target = tmp_path / "uv"
    run(
        str(BIN / "uv"), "pip", "install", "--no-cache", "--index-url", f"{second}/simple/",
        "--python", str(BIN / "python"), "--target", str(uv_target), "scale-out==1.0",
    )  # fmt: skip
    assert installed_versions(uv_target) == {"scale_out": "1.0"}
    # Both answer the same page, and both are ready on the shared services.
    page_a = requests.get(f"{first}/simple/scale-out/", timeout=10)
    page_b = requests.get(f"{second}/simple/scale-out/", timeout=10)
    assert page_a.content == page_b.content and page_a.headers["ETag"] == page_b.headers["ETag"]
    for url in instances:
        assert requests.get(f"{url}/readyz", timeout=10).json()["status"] == "ok"


def test_a_session_is_known_to_both_instances(instances, client):
    first, second = instances
    user = UserFactory(verified=True)
    client.force_login(user)  # the session row is committed to the shared PostgreSQL
    cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
    for url in (first, second):
        answer = requests.get(f"{url}/api/v1/tokens/", cookies=cookies, timeout=10)
        assert answer.status_code == 200, answer.text[:300]
    anonymous = requests.get(f"{second}/api/v1/tokens/", timeout=10)
    assert anonymous.status_code == 401
