"""Pre-rendered simple pages (packages.pages) and the WSGI fast path that serves them."""

from __future__ import annotations

import io
import os
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from packages import pages, simple
from packages.fastpath import FastPath
from packages.models import File, Project, Release
from packages.services import project_delete, release_yank
from tests.factories import ProjectFactory
from tests.packages.conftest import upload, wheel

pytestmark = pytest.mark.django_db

JSON = simple.JSON_V1


def call(app, path: str, **headers: str) -> tuple[str, dict[str, str], bytes]:
    """One request to a WSGI app: (status, headers, body)."""
    environ = {"PATH_INFO": path, "REQUEST_METHOD": headers.pop("method", "GET")}
    setup_testing_defaults(environ)
    environ["HTTP_HOST"] = "localhost"
    environ["wsgi.input"] = io.BytesIO()
    environ.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
    answer: dict = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(response_headers)

    # As Django's test client does: a request's end must not close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        chunks = app(environ, start_response)
        body = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"], body


def published(client, user, name: str = "paged", version: str = "1.0") -> File:
    assert upload(client, wheel(name, version), user.username).status_code == 200
    return File.objects.get(filename__startswith=name.replace("-", "_") + f"-{version}-")


def test_upload_writes_both_pages_and_the_root(client, user, pages_root: Path):
    published(client, user)
    folder = pages_root / "simple" / "paged"
    for name, accept in (("index.html", "text/html"), ("index.json", JSON)):
        stored = (folder / name).read_bytes()
        assert stored == client.get("/simple/paged/", HTTP_ACCEPT=accept).content
        assert oct((folder / name).stat().st_mode & 0o777) == "0o644"  # nginx reads it
    assert b'href="/simple/paged/"' in (pages_root / "simple" / "index.html").read_bytes()
    assert b'"name": "paged"' in (pages_root / "simple" / "index.json").read_bytes()


def test_yank_and_delete_rewrite_the_pages(client, user, pages_root: Path, committed):
    file = published(client, user)
    with committed():
        release_yank(release=file.release, actor=user, reason="broken build")
    html = (pages_root / "simple" / "paged" / "index.html").read_text()
    assert 'data-yanked="broken build"' in html
    with committed():
        project_delete(project=Project.objects.get(), actor=user, confirm="paged")
    assert not (pages_root / "simple" / "paged" / "index.html").exists()
    assert not (pages_root / "simple" / "paged" / "index.json").exists()
    assert b"paged" not in (pages_root / "simple" / "index.html").read_bytes()


def test_rebuild_command_writes_every_page_and_drops_stale_ones(pages_root: Path):
    ProjectFactory(name="one")
    ProjectFactory(name="Two.Dots")
    stale = pages_root / "simple" / "gone"
    stale.mkdir(parents=True)
    (stale / "index.html").write_text("old")
    out = io.StringIO()
    call_command("rebuild_simple_pages", stdout=out)
    assert "2 projects" in out.getvalue()
    assert (pages_root / "simple" / "one" / "index.json").exists()
    assert (pages_root / "simple" / "two-dots" / "index.html").exists()
    assert not (stale / "index.html").exists()
    assert b"Two.Dots" in (pages_root / "simple" / "index.html").read_bytes()


def test_a_failed_write_keeps_the_old_page(client, user, pages_root: Path, monkeypatch):
    published(client, user)
    page = pages_root / "simple" / "paged" / "index.html"
    before = page.read_bytes()

    def disk_full(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    Release.objects.update(yanked=True, yanked_reason="x")
    with pytest.raises(OSError, match="No space"):
        pages.write_pages("paged")
    assert page.read_bytes() == before  # whole old page, never half a new one
    assert sorted(p.name for p in page.parent.iterdir()) == ["index.html", "index.json"]


def test_a_failed_refresh_does_not_fail_the_change(client, user, monkeypatch, caplog, committed):
    file = published(client, user)
    monkeypatch.setattr(os, "replace", lambda s, t: (_ for _ in ()).throw(OSError("disk gone")))
    with committed():
        release_yank(release=file.release, actor=user)
    assert Release.objects.get().yanked  # the yank committed; the page refresh is retried
    assert "could not refresh the simple pages of paged" in caplog.text


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a service's on-commit work (the page refresh) as production's commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


# --- the fast path ------------------------------------------------------------------------


@pytest.fixture
def apps() -> tuple[FastPath, WSGIHandler]:
    django_app = WSGIHandler()
    fast = FastPath(django_app)
    fast.recheck_seconds = 0  # production trusts a read page for a second
    return fast, django_app


def _comparable(headers: dict[str, str]) -> dict[str, str]:
    # X-Request-ID is new for each request (a log aid of Django's stack; nothing logs here).
    # Django's stack also varies on Cookie (the session middleware looked at the session):
    # these public pages never depend on it, so the fast path leaves it out.
    same = {k: v for k, v in headers.items() if k not in ("Content-Length", "X-Request-ID")}
    if "Vary" in same:
        same["Vary"] = ", ".join(v for v in same["Vary"].split(", ") if v != "Cookie")
        if not same["Vary"]:
            del same["Vary"]
    return same


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/simple/paged/", ""),
        ("/simple/paged/", JSON),
        ("/simple/paged/", simple.HTML_V1),
        ("/simple/", JSON),
        ("/simple/", "text/html"),
    ],
)
def test_fast_path_answers_as_django_does(client, user, apps, path, accept, monkeypatch):
    published(client, user)
    fast, django_app = apps
    seen: list[str] = []
    monkeypatch.setattr(
        FastPath, "_simple", _spy(FastPath._simple, seen)
    )  # proves the fast path, not Django, answered
    status, headers, body = call(fast, path, accept=accept)
    django_status, django_headers, django_body = call(django_app, path, accept=accept)
    assert seen == ["answered"]
    assert (status, body) == (django_status, django_body)
    assert _comparable(headers) == _comparable(django_headers)
    assert headers["Content-Length"] == str(len(body))
    # Revalidation: 304 with the same ETag and no body.
    status, again, body = call(fast, path, accept=accept, if_none_match=headers["ETag"])
    assert (status, body) == ("304 Not Modified", b"")
    assert again["ETag"] == headers["ETag"]


def _spy(method, seen: list[str]):
    def wrapped(self, *args, **kwargs):
        answer = method(self, *args, **kwargs)
        if answer is not None:
            seen.append("answered")
        return answer

    return wrapped


def test_fast_path_sees_a_new_page(client, user, apps, committed):
    file = published(client, user)
    fast, _ = apps
    _, first, _ = call(fast, "/simple/paged/")
    with committed():
        release_yank(release=file.release, actor=user, reason="bad")
    _, second, body = call(fast, "/simple/paged/")
    assert second["ETag"] != first["ETag"]
    assert b'data-yanked="bad"' in body


def test_fast_path_leaves_the_rest_to_django(client, user, apps):
    published(client, user)
    fast, _ = apps
    # Not normalized: Django's redirect. Unknown: Django's 404 with its message.
    status, headers, _ = call(fast, "/simple/Paged/")
    assert status.startswith("301") and headers["Location"] == "/simple/paged/"
    status, _, body = call(fast, "/simple/nothing-here/")
    assert status.startswith("404") and b"no project named" in body
    status, _, body = call(fast, "/simple/paged/", accept="application/json")
    assert status.startswith("406") and JSON.encode() in body
    status, _, _ = call(fast, "/simple/paged/", host="evil.example")
    assert status.startswith("400")
    status, _, _ = call(fast, "/simple/../../etc/passwd/")
    assert status.startswith("404")


def test_fast_path_serves_local_files_with_the_views_headers(client, user, apps):
    file = published(client, user)
    fast, django_app = apps
    for path in (file.url, file.url + ".metadata"):
        status, headers, body = call(fast, path)
        django_status, django_headers, django_body = call(django_app, path)
        assert (status, body) == (django_status, django_body)
        assert _comparable(headers) == _comparable(django_headers)
    status, _, body = call(fast, file.url, if_none_match=f'"{file.sha256}"')
    assert (status, body) == ("304 Not Modified", b"")
    status, _, _ = call(fast, file.url.replace(file.sha256, "0" * 64))
    assert status.startswith("404")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_writes_the_pages_off_the_broker(celery_worker, client, pages_root: Path):
    import time

    from celery.signals import task_prerun

    from config.celery import app as celery_app
    from tests.factories import UserFactory

    assert celery_app.conf.task_always_eager is False
    ran: list[tuple[str, bool]] = []

    def record(sender=None, task=None, **kwargs):
        ran.append((task.name, task.request.is_eager))

    task_prerun.connect(record, weak=False)
    try:
        assert (
            upload(client, wheel("worked", "1.0"), UserFactory(verified=True).username).status_code
            == 200
        )
        page = pages_root / "simple" / "worked" / "index.json"
        root = pages_root / "simple" / "index.json"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (
            page.exists() and root.exists() and b"worked" in root.read_bytes()
        ):
            time.sleep(0.1)
    finally:
        task_prerun.disconnect(record)
    assert page.exists()
    assert ("packages.tasks.write_simple_pages", False) in ran
    assert b"worked" in (pages_root / "simple" / "index.json").read_bytes()


def test_a_100_mb_download_streams_in_flat_memory(apps, files_storage: Path):
    import hashlib
    import tracemalloc

    fast, _ = apps
    sha = hashlib.sha256(b"big").hexdigest()
    key = f"{sha[:2]}/{sha[2:4]}/{sha}/big-1.0-py3-none-any.whl"
    path = files_storage / key
    path.parent.mkdir(parents=True)
    with open(path, "wb") as handle:
        handle.truncate(100 * 1024 * 1024)  # sparse: 100 MB of zeros, instantly
    environ = {"PATH_INFO": f"/files/{key}", "REQUEST_METHOD": "GET"}
    setup_testing_defaults(environ)
    environ["HTTP_HOST"] = "localhost"
    seen: dict = {}
    tracemalloc.start()
    try:
        body = fast(environ, lambda status, headers: seen.update(status=status, headers=headers))
        total = sum(len(chunk) for chunk in body)
        body.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen["status"] == "200 OK" and total == 100 * 1024 * 1024
    assert peak < 4 * 1024 * 1024, peak  # chunks of 256 KB, never the whole file


@pytest.mark.celery_worker  # tasks go to the broker (no worker consumes this queue)
@pytest.mark.django_db(transaction=True)
def test_a_burst_of_changes_queues_one_write_until_it_starts(client, pages_root: Path):
    import uuid

    from django.conf import settings

    from config.celery import app as celery_app
    from packages.tasks import write_simple_pages
    from tests.factories import UserFactory

    if settings.CELERY_BROKER_URL == "memory://":
        pytest.skip("no CELERY_BROKER_URL: coalescing queued writes needs a broker")
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_default_queue
    queue = f"wharf-test-{uuid.uuid4().hex}"
    conf.task_always_eager, conf.task_default_queue = False, queue

    def queued() -> int:
        with celery_app.connection_for_write() as connection:
            return connection.default_channel.queue_declare(queue, passive=True).message_count

    username = UserFactory(verified=True).username
    try:
        for version in ("1.0", "1.1", "1.2"):
            assert upload(client, wheel("bursty", version), username).status_code == 200
        # The first upload created the project (its pages and the root's: one write); of the
        # next two, the second found the first's write still queued.
        assert queued() == 2
        write_simple_pages.apply(args=("bursty", False))  # a worker starts the queued write
        assert upload(client, wheel("bursty", "1.3"), username).status_code == 200
        assert queued() == 3
    finally:
        with celery_app.connection_for_write() as connection:
            connection.default_channel.queue_purge(queue)
        conf.task_always_eager, conf.task_default_queue = saved
