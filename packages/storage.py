"""Distribution files in the "files" storage, under content-addressed keys.

Django storages rename a clashing file by inserting a suffix inside the name, which would
corrupt a wheel's filename; keys here are `ab/cd/<sha256>/<filename>` so a key names one
content, uniqueness is checked in the database, and a renamed save is refused.
"""

from __future__ import annotations

import contextlib
from typing import IO

from django.conf import settings
from django.core.files import File as DjangoFile
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages


class StorageError(Exception):
    """The storage did not keep a file under the key we asked for."""


def files_storage() -> Storage:
    return storages["files"]


def file_key(sha256: str, filename: str) -> str:
    """The storage key of a distribution: content-addressed, the filename kept intact."""
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}/{filename}"


def save_exactly(key: str, content: IO[bytes] | bytes) -> None:
    """Write content under key; refuse any other name the storage might pick."""
    storage = files_storage()
    body = ContentFile(content) if isinstance(content, bytes) else DjangoFile(content)
    saved = storage.save(key, body)
    if saved != key:
        storage.delete(saved)
        raise StorageError(f"storage stored {key!r} as {saved!r}")


def exists(key: str) -> bool:
    return files_storage().exists(key)


def delete_quietly(key: str) -> None:
    """Remove key if present; used to undo a write whose database part failed."""
    storage = files_storage()
    # Cleanup must not hide the error that made it necessary.
    with contextlib.suppress(Exception):
        storage.delete(key)


def s3_client_config():
    """botocore's client config with the timeouts and retries of settings (S3_*)."""
    from botocore.config import Config

    return Config(
        connect_timeout=settings.S3_CONNECT_TIMEOUT,
        read_timeout=settings.S3_READ_TIMEOUT,
        retries={"max_attempts": settings.S3_MAX_ATTEMPTS, "mode": "standard"},
    )


def local_files_root() -> str | None:
    """The folder of local file storage (served by nginx or the fast path); None for S3."""
    config = settings.STORAGES["files"]
    if config["BACKEND"] != "django.core.files.storage.FileSystemStorage":
        return None
    return str(config.get("OPTIONS", {}).get("location") or settings.FILES_ROOT)


def download_url(key: str) -> str | None:
    """Where a client downloads key from when it is not local: the CDN or a presigned URL."""
    if local_files_root() is not None:
        return None
    if settings.FILES_CDN_URL:
        return f"{settings.FILES_CDN_URL}/{key}"
    return files_storage().url(key)
