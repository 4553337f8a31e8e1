"""deploy/nginx.conf with the real nginx: pages and files served by nginx, the rest proxied.

The shipped file is filled with envsubst as the README says, nginx starts with it in front
of the live server, twine uploads through it, and pip and uv install through it; the live
server's log of requests shows that /simple/<project>/ and /files/ never reached Django.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.core.signals import request_started

from tests.factories import UserFactory
from tests.packages.conftest import build_wheel
from tests.packages.test_clients import BIN, installed_versions, run, twine, write

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
JSON = "application/vnd.pypi.simple.v1+json"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def filled_config(**values: str) -> str:
    """deploy/nginx.conf through envsubst, as an operator fills it."""
    names = " ".join(f"${name}" for name in values)
    result = subprocess.run(
        [shutil.which("envsubst") or "/usr/bin/envsubst", names],
        input=(ROOT / "deploy" / "nginx.conf").read_text(),
        capture_output=True,
        text=True,
        env={**os.environ, **values},
        check=True,
    )
    return result.stdout


@pytest.fixture
def requested() -> Iterator[list[str]]:
    """The paths that reach Django while the test runs."""
    paths: list[str] = []

    def record(sender, environ, **kwargs) -> None:
        paths.append(environ.get("PATH_INFO", ""))

    request_started.connect(record, weak=False)
    yield paths
    request_started.disconnect(record)


@pytest.fixture
def nginx(live_server, tmp_path: Path, pages_root: Path, files_storage: Path) -> Iterator[str]:
    if not os.path.exists(NGINX):
        pytest.skip("nginx is not installed (.ci/run installs Debian's nginx-light)")
    port = free_port()
    upstream = live_server.url.removeprefix("http://")
    pages_root.mkdir(parents=True, exist_ok=True)
    files_storage.mkdir(parents=True, exist_ok=True)
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    (prefix / "wharf.conf").write_text(
        filled_config(
            WHARF_LISTEN=f"127.0.0.1:{port}",
            WHARF_UPSTREAM=upstream,
            WHARF_PAGES_ROOT=str(pages_root),
            WHARF_FILES_ROOT=str(files_storage),
        )
    )
    # As root, nginx's workers would switch to an account that can't read pytest's tmp dirs.
    user = "user root root;" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(
        f"""{user}
daemon off; worker_processes 1; pid {prefix}/nginx.pid; error_log {prefix}/error.log;
events {{ worker_connections 256; }}
http {{
  access_log {prefix}/access.log;
  client_body_temp_path {prefix}/body; proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fastcgi; uwsgi_temp_path {prefix}/uwsgi; scgi_temp_path {prefix}/scgi;
  include {prefix}/wharf.conf;
}}
"""
    )
    server = subprocess.Popen(
        [
            NGINX,
            "-p",
            str(prefix),
            "-c",
            str(prefix / "nginx.conf"),
            "-e",
            str(prefix / "error.log"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(100):
            if server.poll() is not None:
                raise AssertionError(f"nginx did not start: {server.stdout.read().decode()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_pip_and_uv_install_through_nginx(nginx, requested, tmp_path: Path):
    out = tmp_path / "dist"
    out.mkdir()
    files = [write(out, build_wheel("wharf-ng", v)) for v in ("1.0", "2.0")]
    result = twine(nginx, UserFactory(verified=True).username, *files)
    assert result.returncode == 0, result.output
    assert "/legacy/" in requested  # the upload was proxied to the app
    requested.clear()
    index = f"{nginx}/simple/"
    pip_target, uv_target = tmp_path / "pip", tmp_path / "uv"
    run(
        str(BIN / "python"), "-m", "pip", "install", "--no-cache-dir", "--index-url", index,
        "--target", str(pip_target), "wharf-ng",
    )  # fmt: skip
    run(
        str(BIN / "uv"), "pip", "install", "--no-cache", "--index-url", index,
        "--python", str(BIN / "python"), "--target", str(uv_target), "wharf-ng==1.0",
    )  # fmt: skip
    assert installed_versions(pip_target) == {"wharf_ng": "2.0"}
    assert installed_versions(uv_target) == {"wharf_ng": "1.0"}
    # nginx answered the index pages and the files itself: nothing reached Django.
    assert not [p for p in requested if p.startswith(("/simple/", "/files/"))], requested


def test_nginx_negotiates_and_leaves_the_rest_to_the_app(nginx, requested, tmp_path: Path):
    out = tmp_path / "dist"
    out.mkdir()
    result = twine(
        nginx, UserFactory(verified=True).username, write(out, build_wheel("Neg.Ng", "1.0"))
    )
    assert result.returncode == 0, result.output
    requested.clear()
    html = requests.get(f"{nginx}/simple/neg-ng/", timeout=10)
    assert html.headers["Content-Type"] == "text/html; charset=utf-8"
    assert html.headers["Vary"] == "Accept" and html.headers["X-Frame-Options"] == "DENY"
    assert 'data-core-metadata="sha256=' in html.text
    accept = f"{JSON}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
    data = requests.get(f"{nginx}/simple/neg-ng/", headers={"Accept": accept}, timeout=10)
    assert data.headers["Content-Type"] == JSON
    assert data.json()["name"] == "neg-ng"
    refused_json = requests.get(
        f"{nginx}/simple/neg-ng/", headers={"Accept": f"{JSON};q=0, text/html"}, timeout=10
    )
    assert refused_json.headers["Content-Type"].startswith("text/html")
    root = requests.get(f"{nginx}/simple/", headers={"Accept": JSON}, timeout=10).json()
    assert {"name": "Neg.Ng"} in root["projects"]
    revalidated = requests.get(
        f"{nginx}/simple/neg-ng/", headers={"If-None-Match": html.headers["ETag"]}, timeout=10
    )
    assert revalidated.status_code == 304
    assert requested == []
    # A name that is not normalized, and an unknown project: the app's redirect and 404.
    moved = requests.get(f"{nginx}/simple/Neg.Ng/", allow_redirects=False, timeout=10)
    assert moved.status_code == 301 and moved.headers["Location"] == "/simple/neg-ng/"
    missing = requests.get(f"{nginx}/simple/no-such-project/", timeout=10)
    assert missing.status_code == 404 and "no project named" in missing.text
    assert "/simple/no-such-project/" in requested
