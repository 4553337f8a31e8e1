"""Pre-rendered simple pages: PEP 503 HTML and PEP 691 JSON written to storage on every change.

After a change that affects them (upload, yank, delete, quarantine, …) `pages_changed()`
queues `packages.tasks.write_simple_pages`, which renders the project's two pages and, when
the project list changed, the `/simple/` root's, and writes them to the pages store:

    simple/index.html  simple/index.json  simple/<normalized>/index.html  …/index.json

A local store (PAGES_ROOT) writes each file to a temporary name and renames it, so a reader
(nginx, the WSGI fast path) sees the old page or the new one, never half of one; an S3 store
puts each object whole (S3 swaps it atomically) with Content-Type, Cache-Control and
surrogate keys, then the CDN purge hook is called. A failed write keeps the old page and
raises, so the task retries. The task renders from the database as it is when it runs,
so it is safe to re-run and order does not matter; for the same reason a change made while
a write of the same pages is queued and not yet started queues no other (a burst of uploads
costs a few writes, not one per file).
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from . import simple
from .models import Project

logger = logging.getLogger(__name__)

# The page formats stored per page; HTML_V1 clients get the text/html file's bytes.
FILES = {simple.TEXT_HTML: "index.html", simple.JSON_V1: "index.json"}
CACHE_CONTROL = "max-age=60, public"


def page_key(normalized_name: str | None, content_type: str) -> str:
    """The store key of a page: the root's when normalized_name is None."""
    folder = "simple" if normalized_name is None else f"simple/{normalized_name}"
    return f"{folder}/{FILES[content_type]}"


def surrogate_keys(normalized_name: str | None) -> list[str]:
    """CDN tags of a page: "simple" on all (purge everything), and the page's own tag."""
    own = "simple-index" if normalized_name is None else f"project-{normalized_name}"
    return ["simple", own]


class PageStore(Protocol):
    def write(self, key: str, body: bytes, content_type: str, tags: list[str]) -> None: ...
    def delete(self, key: str) -> None: ...
    def read(self, key: str) -> bytes | None: ...


class LocalPageStore:
    """Pages under a folder, each replaced by rename (nginx and the fast path read it)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / key

    def write(self, key: str, body: bytes, content_type: str, tags: list[str]) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
        temporary = target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp"
        # 0644: nginx's workers run as another user and must read the pages.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(body)
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(key).unlink()

    def read(self, key: str) -> bytes | None:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            return None


class S3PageStore:
    """Pages as objects in a bucket, for a CDN in front (PUT replaces an object atomically)."""

    def __init__(self, bucket: str, prefix: str, endpoint_url: str | None) -> None:
        import boto3

        from .storage import s3_client_config

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = boto3.client("s3", endpoint_url=endpoint_url, config=s3_client_config())

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def write(self, key: str, body: bytes, content_type: str, tags: list[str]) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=self._key(key),
            Body=body,
            ContentType=content_type,
            CacheControl=CACHE_CONTROL,
            # Fastly and others read a surrogate key from the object's metadata.
            Metadata={"surrogate-key": " ".join(tags)},
        )

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def read(self, key: str) -> bytes | None:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except self.client.exceptions.NoSuchKey:
            return None


def page_store() -> PageStore:
    """The configured store: S3 when PAGES_STORAGE is s3://bucket/prefix, else PAGES_ROOT."""
    location = settings.PAGES_STORAGE
    if location.startswith("s3://"):
        bucket, _, prefix = location.removeprefix("s3://").partition("/")
        return S3PageStore(bucket, prefix, settings.PAGES_S3_ENDPOINT_URL)
    return LocalPageStore(settings.PAGES_ROOT)


def local_pages_root() -> Path | None:
    """The folder the WSGI fast path and nginx serve pages from (None with S3)."""
    if settings.PAGES_STORAGE.startswith("s3://"):
        return None
    return Path(settings.PAGES_ROOT)


@dataclass(frozen=True)
class Written:
    """What one write_pages call did, for the purge hook and the rebuild command."""

    written: list[str]
    deleted: list[str]


def write_pages(normalized_name: str | None, *, index: bool = False) -> Written:
    """Render and store a project's pages (or remove them when it is gone or quarantined)."""
    from .cdn import purge

    store = page_store()
    written: list[str] = []
    deleted: list[str] = []
    pages: list[tuple[str | None, dict[str, simple.Page] | None]] = []
    if normalized_name is not None:
        project = Project.objects.listed().filter(normalized_name=normalized_name).first()
        rendered = simple.render_project_pages(project, list(FILES)) if project else None
        pages.append((normalized_name, rendered))
    if index:
        pages.append((None, {ct: simple.render_index(ct) for ct in FILES}))
    # Everything is rendered before anything is written: a render error writes nothing.
    for name, rendered in pages:
        for content_type in FILES:
            key = page_key(name, content_type)
            if rendered is None:
                store.delete(key)
                deleted.append(key)
            else:
                store.write(key, rendered[content_type].body, content_type, surrogate_keys(name))
                written.append(key)
    purge(tags=[surrogate_keys(name)[1] for name, _ in pages], keys=[*written, *deleted])
    return Written(written, deleted)


# A queued write that never ran (a broker lost it) stops coalescing after this long.
PENDING_SECONDS = 300


def _pending_key(normalized_name: str | None, index: bool) -> str:
    return f"pages:pending:{normalized_name or ''}:{int(index)}"


def _claim_write(normalized_name: str | None, index: bool) -> bool:
    """Whether to queue a write: not while one for the same pages is queued and not started,
    since it renders what the database holds when it runs (this change too). A CI job
    uploading its wheels one after another costs a few page writes, not one per file."""
    try:
        return cache.add(_pending_key(normalized_name, index), 1, PENDING_SECONDS)
    except Exception:
        return True  # no cache to coordinate through: queue it anyway


def write_started(normalized_name: str | None, index: bool) -> None:
    """The queued write is running: changes from now on queue another, and the simple view's
    cached copies of these pages (what Django answers where no page file serves) are dropped
    now, before the files are written, so a failing store does not keep them stale."""
    try:
        cache.delete(_pending_key(normalized_name, index))
        if normalized_name is not None:
            simple.invalidate(normalized_name, index=index)
        elif index:
            simple.invalidate_index()
    except Exception:
        # No cache: nothing cached to drop, and the page files are still to be written.
        logger.warning("could not drop the cached simple pages of %s", normalized_name)


def pages_changed(normalized_name: str | None, *, index: bool = False) -> None:
    """A project's pages (and the root's, with index) changed: refresh them after commit."""

    def refresh() -> None:
        from .tasks import write_simple_pages

        try:
            if write_simple_pages.app.conf.task_always_eager:
                write_simple_pages(normalized_name, index)  # no broker: here and now
            elif _claim_write(normalized_name, index):
                try:
                    write_simple_pages.delay(normalized_name, index)
                except Exception:
                    write_started(normalized_name, index)  # nothing queued: don't wait on it
                    raise
        except Exception:
            # Eager (no broker) or a broker hiccup: the old page stays until the next change
            # or `manage.py rebuild_simple_pages`; the request that changed data succeeded.
            logger.exception("could not refresh the simple pages of %s", normalized_name)

    transaction.on_commit(refresh)


def rebuild_all() -> int:
    """Write every listed project's pages and the root's, and remove pages of others."""
    count = 0
    names = set(Project.objects.listed().values_list("normalized_name", flat=True))
    for name in sorted(names):
        write_pages(name)
        count += 1
    root = local_pages_root()
    if root is not None and (root / "simple").is_dir():
        for folder in (root / "simple").iterdir():
            if folder.is_dir() and folder.name not in names:
                write_pages(folder.name)  # not listed any more: its files are removed
    write_pages(None, index=True)
    return count
