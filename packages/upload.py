"""The legacy upload API (`/legacy/`, what `twine upload` speaks): authenticate, validate, store.

Every refusal is a WharfError whose one-line message says what to do; the view turns it
into a plain response with the message in the HTTP reason phrase (all twine prints).
Files are written to storage first, then the rows in one transaction; if the database
part fails the file is deleted again, so no file is left without a row or a row without
a file.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, Value
from django.http import HttpRequest
from packaging.metadata import InvalidMetadata, Metadata, RawMetadata, parse_email
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_version,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from accounts.events import client_ip
from core.errors import NotAllowed, WharfError
from core.permissions import Action, NewProject, require
from core.principals import Kind, Principal
from core.queries import one_or_none

from . import archives
from .models import File, FilenameUse, Project, ProjectEvent, Release, Role
from .names import is_valid_name, normalize, reserved_reason, similarity_key
from .pages import pages_changed
from .readme import render_html
from .storage import delete_quietly, file_key, save_exactly
from .storage import exists as storage_exists

logger = logging.getLogger(__name__)

# The METADATA / PKG-INFO we read from an archive; real ones are a few kB.
MAX_METADATA_SIZE = 2 * 1024 * 1024
# Finding an sdist's PKG-INFO unpacks the members before it: at most this much.
SDIST_SCAN_RATIO = 50
MIN_SDIST_SCAN = 256 * 1024 * 1024
MAX_SDIST_MEMBERS = 100_000
# What a distribution's filename may contain (wheel tags are otherwise free text); short
# enough that its key plus ".metadata" stays within a file system's 255-byte names.
FILENAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._!-]{0,239}")


@dataclass
class Upload:
    """A checked upload request: the file, its digests and its parsed metadata."""

    content: UploadedFile
    filename: str
    packagetype: str
    python_version: str
    metadata: Metadata
    sha256: str
    blake2_256: str
    md5: str
    size: int
    # The same fields as written by the author (packaging's objects reorder specifiers).
    raw_fields: RawMetadata = field(default_factory=dict)
    metadata_file: bytes | None = None

    @property
    def normalized_name(self) -> str:
        return normalize(self.metadata.name)


# --- validation ---------------------------------------------------------------------------


def _field(request: HttpRequest, name: str) -> str:
    return (request.POST.get(name) or "").strip()


def _digests(content: UploadedFile) -> tuple[str, str, str, int]:
    sha256, blake2, md5 = (
        hashlib.sha256(),
        hashlib.blake2b(digest_size=32),
        hashlib.md5(usedforsecurity=False),
    )
    size = 0
    content.seek(0)
    for chunk in content.chunks():
        size += len(chunk)
        for digest in (sha256, blake2, md5):
            digest.update(chunk)
    content.seek(0)
    return sha256.hexdigest(), blake2.hexdigest(), md5.hexdigest(), size


def _read_limited(stream: IO[bytes], filename: str) -> bytes:
    data = stream.read(MAX_METADATA_SIZE + 1)
    if len(data) > MAX_METADATA_SIZE:
        raise WharfError(f"invalid distribution: the metadata file in '{filename}' is too large.")
    return data


def _wheel_metadata(content: UploadedFile, filename: str) -> bytes:
    try:
        with zipfile.ZipFile(content) as archive:
            names = [n for n in archive.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
            if len(names) != 1:
                raise WharfError(
                    f"invalid wheel: '{filename}' must contain exactly one "
                    "<name>-<version>.dist-info/METADATA; rebuild it with a current build tool."
                )
            with archive.open(names[0]) as member:
                return _read_limited(member, filename)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
        raise WharfError(
            f"invalid wheel: '{filename}' is not a readable zip archive; rebuild it."
        ) from error
    finally:
        content.seek(0)


def _sdist_metadata(content: UploadedFile, filename: str) -> bytes:
    try:
        # Reaching a member means unpacking everything before it: bound that work, so a
        # small gzip bomb cannot keep a worker decompressing for minutes.
        limit = max(MIN_SDIST_SCAN, SDIST_SCAN_RATIO * content.size)
        with tarfile.open(fileobj=content, mode="r:gz") as archive:
            for count, member in enumerate(archive, start=1):
                parts = member.name.strip("/").split("/")
                if len(parts) == 2 and parts[1] == "PKG-INFO" and member.isfile():
                    stream = archive.extractfile(member)
                    if stream is not None:
                        return _read_limited(stream, filename)
                if member.offset_data + member.size > limit or count >= MAX_SDIST_MEMBERS:
                    raise WharfError(
                        f"invalid sdist: '{filename}' unpacks to too much (over "
                        f"{limit // (1024 * 1024)} MB or {MAX_SDIST_MEMBERS} files) before its "
                        "PKG-INFO; build it with a current build tool (python -m build --sdist)."
                    )
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise WharfError(
            f"invalid sdist: '{filename}' is not a readable .tar.gz archive; rebuild it."
        ) from error
    finally:
        content.seek(0)
    raise WharfError(
        f"invalid sdist: '{filename}' has no <name>-<version>/PKG-INFO; build it with a "
        "current build tool (python -m build --sdist)."
    )


def _parse_metadata(raw: bytes, filename: str) -> Metadata:
    try:
        return Metadata.from_email(raw, validate=True)
    except ExceptionGroup as group:
        problems = "; ".join(str(e) for e in group.exceptions)
    except (InvalidMetadata, ValueError) as error:
        problems = str(error)
    raise WharfError(
        f"invalid metadata in '{filename}': {problems}. Fix the project's metadata and rebuild."
    )


def read_upload(request: HttpRequest) -> Upload:
    """Check the multipart body twine sends and the distribution in it, or refuse."""
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > settings.MAX_FILE_SIZE + 1024 * 1024:
        raise WharfError(_too_large(length))
    archives.keep_sent_filenames(request)
    try:
        post, files = request.POST, request.FILES
    except Exception as error:  # noqa: BLE001 - any malformed body is the client's problem
        raise WharfError(
            f"the upload request could not be read ({error}); upload with twine."
        ) from error
    action = post.get(":action", "")
    if action != "file_upload":
        raise WharfError(
            f"unsupported :action {action!r}: this endpoint accepts file_upload; use twine upload."
        )
    if post.get("protocol_version", "1") != "1":
        raise WharfError("unknown protocol_version: this endpoint speaks protocol 1 (twine).")
    content = files.get("content")
    if content is None:
        raise WharfError("the upload has no file in its 'content' field; upload with twine.")
    archives.check_sent_filenames(request)
    name, version = _field(request, "name"), _field(request, "version")
    if not name or not version:
        raise WharfError("the upload is missing 'name' or 'version'; upload with twine.")
    if not is_valid_name(name):
        raise WharfError(
            f"invalid project name {name!r}: use ASCII letters, digits, '.', '_' and '-', "
            "starting and ending with a letter or digit."
        )
    try:
        parsed_version = Version(version)
    except InvalidVersion as error:
        raise WharfError(
            f"invalid version {version!r}: versions must follow PEP 440 (for example 1.0.2)."
        ) from error
    if parsed_version.local is not None:
        raise WharfError(
            f"local versions like {version!r} can't be uploaded: drop the '+...' part."
        )

    filename = content.name or ""
    if not FILENAME_PATTERN.fullmatch(filename):
        # The filename ends up in storage keys, headers and pages: only what builders write.
        raise WharfError(
            f"invalid filename {filename[:300]!r}: a distribution's filename has at most 240 "
            "ASCII letters, digits, '.', '_', '-' and '!'; rebuild it with a current build tool."
        )
    filetype = _field(request, "filetype")
    if filename.endswith(".whl"):
        expected_type = File.PackageType.WHEEL
        try:
            file_name, file_version, _build, tags = parse_wheel_filename(filename)
        except InvalidWheelFilename as error:
            raise WharfError(f"invalid wheel filename {filename!r}: {error}.") from error
        python_version = ".".join(sorted({t.interpreter for t in tags}))
    elif filename.endswith(".tar.gz"):
        expected_type = File.PackageType.SDIST
        try:
            file_name, file_version = parse_sdist_filename(filename)
        except InvalidSdistFilename as error:
            raise WharfError(f"invalid sdist filename {filename!r}: {error}.") from error
        python_version = "source"
    else:
        raise WharfError(
            f"invalid file extension: {filename!r} is neither a wheel (.whl) nor an sdist "
            "(.tar.gz); upload only those."
        )
    if filetype and filetype != expected_type:
        raise WharfError(
            f"filetype {filetype!r} does not match {filename!r}; expected '{expected_type.value}'."
        )
    if file_name != normalize(name) or file_version != parsed_version:
        raise WharfError(
            f"the filename {filename!r} does not match the project {name!r} version {version!r} "
            "in the metadata; rebuild the distribution."
        )

    sha256, blake2_256, md5, size = _digests(content)
    if size > settings.MAX_FILE_SIZE:
        raise WharfError(_too_large(size))
    sent = {
        "sha256": _field(request, "sha256_digest").lower(),
        "blake2_256": _field(request, "blake2_256_digest").lower(),
        "md5": _field(request, "md5_digest").lower(),
    }
    computed = {"sha256": sha256, "blake2_256": blake2_256, "md5": md5}
    if not any(sent.values()):
        raise WharfError(
            "the upload has no digest: send sha256_digest (twine does); upgrade twine."
        )
    for kind, value in sent.items():
        # As bytes: compare_digest refuses str with non-ASCII characters (a 500 on junk).
        if value and not hmac.compare_digest(value.encode(), computed[kind].encode()):
            raise WharfError(
                f"the {kind} digest sent does not match the uploaded file: it was corrupted "
                "in transit; upload it again."
            )

    archives.check_archive(content, filename)
    if expected_type == File.PackageType.WHEEL:
        raw = _wheel_metadata(content, filename)
    else:
        raw = _sdist_metadata(content, filename)
    metadata = _parse_metadata(raw, filename)
    direct = [str(r) for r in metadata.requires_dist or [] if r.url is not None]
    if direct:
        raise WharfError(
            f"invalid metadata in {filename!r}: direct URL dependencies like {direct[0]!r} are "
            "not allowed on an index; depend on a released project instead."
        )
    if normalize(metadata.name) != file_name or metadata.version != parsed_version:
        raise WharfError(
            f"the metadata inside {filename!r} names {metadata.name} {metadata.version}, "
            "not what the filename says; rebuild the distribution."
        )
    raw_fields = parse_email(raw)[0]
    python_version = _field(request, "pyversion") or python_version
    _check_lengths(
        filename,
        Release,
        {**_release_fields(metadata, raw_fields), "version": str(metadata.version)},
    )
    _check_lengths(filename, Project, {"name": metadata.name})
    _check_lengths(filename, File, {"python_version": python_version})
    return Upload(
        content=content,
        filename=filename,
        packagetype=expected_type,
        python_version=python_version,
        metadata=metadata,
        sha256=sha256,
        blake2_256=blake2_256,
        md5=md5,
        size=size,
        raw_fields=raw_fields,
        metadata_file=raw if expected_type == File.PackageType.WHEEL else None,
    )


def _check_lengths(filename: str, model: type, values: dict[str, object]) -> None:
    """Refuse a value longer than its column (PostgreSQL would fail the insert with a 500)."""
    for name, value in values.items():
        limit = getattr(model._meta.get_field(name), "max_length", None)
        if limit and isinstance(value, str) and len(value) > limit:
            label = "pyversion" if name == "python_version" else name.replace("_", "-")
            raise WharfError(
                f"invalid metadata in {filename!r}: {label} is {len(value)} characters long, "
                f"over the limit of {limit}; shorten it and rebuild the distribution."
            )


def _too_large(size: int) -> str:
    limit = settings.MAX_FILE_SIZE // (1024 * 1024)
    return (
        f"file too large ({size // (1024 * 1024)} MB): the limit on this index is {limit} MB "
        "per file; ask the administrators to raise MAX_FILE_SIZE."
    )


# --- authorization ------------------------------------------------------------------------


def authorize_upload(principal: Principal, upload: Upload) -> Project | None:
    """The existing project the principal may add to (None: a new one they may create),
    with `has_release`: whether the upload's release exists already."""
    name = upload.normalized_name
    version = canonicalize_version(str(upload.metadata.version))
    same_release = Release.objects.filter(project=OuterRef("pk"), canonical_version=version)
    project = one_or_none(
        Project.objects.filter(normalized_name=name).annotate(has_release=Exists(same_release))
    )
    require(
        principal,
        Action.UPLOAD,
        project or NewProject(name=upload.metadata.name, normalized_name=name),
    )
    if project is None:
        if reserved := reserved_reason(upload.metadata.name):
            raise WharfError(reserved)
        similar = Project.objects.filter(similarity_key=similarity_key(name)).first()
        if similar is not None:
            raise WharfError(
                f"the name {upload.metadata.name!r} is too similar to the existing project "
                f"'{similar.name}': choose a different name (or upload to '{similar.name}' if "
                "it is yours)."
            )
    return project


# --- storing ------------------------------------------------------------------------------


def _already_exists(upload: Upload) -> bool:
    """True for an identical re-upload (answered 200, as PyPI does); refuses a clash."""
    # One query: files with this name or content, and whether the name was ever used.
    files = File.objects.filter(Q(filename=upload.filename) | Q(sha256=upload.sha256))
    used = FilenameUse.objects.filter(filename=upload.filename)
    rows = set(
        files.order_by()
        .values_list("filename", "sha256")
        .union(used.order_by().values_list("filename", Value("")))
    )
    clashes = {filename: sha256 for filename, sha256 in rows if sha256}
    if upload.filename in clashes:
        if clashes[upload.filename] == upload.sha256:
            return True
        raise WharfError(
            f"File already exists: {upload.filename!r} was uploaded with different content; "
            "files can't be replaced, so bump the version and upload again."
        )
    if clashes:
        raise WharfError(
            f"File already exists: the same content was uploaded as {next(iter(clashes))!r}."
        )
    if rows:
        raise WharfError(
            f"the filename {upload.filename!r} was used by a file that has been deleted; "
            "filenames can't be reused, so bump the version and upload again."
        )
    return False


def _release_fields(metadata: Metadata, raw: RawMetadata) -> dict:
    return {
        "metadata_version": metadata.metadata_version or "",
        "summary": (metadata.summary or "")[:512],
        "description": metadata.description or "",
        "description_content_type": metadata.description_content_type or "",
        "keywords": ", ".join(metadata.keywords or []),
        "home_page": metadata.home_page or "",
        "download_url": metadata.download_url or "",
        "author": metadata.author or "",
        "author_email": metadata.author_email or "",
        "maintainer": metadata.maintainer or "",
        "maintainer_email": metadata.maintainer_email or "",
        "license": metadata.license or "",
        "license_expression": metadata.license_expression or "",
        "classifiers": list(metadata.classifiers or []),
        "platform": ", ".join(metadata.platforms or []),
        # As the author wrote them (packaging's objects would reorder specifiers).
        "requires_python": raw.get("requires_python", ""),
        "requires_dist": list(raw.get("requires_dist", [])),
        "provides_extra": [str(e) for e in metadata.provides_extra or []],
        "project_urls": dict(metadata.project_urls or {}),
    }


def uploaded_by(principal: Principal) -> str:
    """Who uploaded, in words for the history ("by organization token ci, created by ann")."""
    if principal.kind == Kind.ORGANIZATION_TOKEN and principal.token is not None:
        creator = principal.token.created_by
        return (
            f"organization token {principal.token.name} of {principal.organization}, created "
            f"by {creator.username if creator else 'a deleted account'}"
        )
    return principal.label


def _published_by(principal: Principal) -> dict[str, str]:
    """For the history: the CI run of a trusted publisher (it has no account to name)."""
    if principal.kind == Kind.PUBLISHER:
        return {"published_by": principal.publisher}
    return {}


def _description_html(upload: Upload, project: Project | None) -> str | None:
    """The README rendered now, outside the transaction, if this upload creates its release
    (project: as authorize_upload found it)."""
    metadata = upload.metadata
    if project is not None and project.has_release:
        return None
    return render_html(metadata.description or "", metadata.description_content_type or "")


class _Events:
    """A request's project events, inserted with one query."""

    def __init__(self) -> None:
        self.events: list[ProjectEvent] = []

    def add(self, **fields) -> None:
        self.events.append(ProjectEvent(**fields))

    def save(self) -> None:
        ProjectEvent.objects.bulk_create(self.events)


def _record(
    principal: Principal,
    upload: Upload,
    key: str,
    request: HttpRequest | None,
    description_html: str | None = None,
) -> File:
    metadata = upload.metadata
    name = upload.normalized_name
    ip = client_ip(request)
    project = one_or_none(Project.objects.select_for_update().filter(normalized_name=name))
    created_project = project is None
    events = _Events()  # the history lines, written together at the end (one INSERT)
    if project is None:
        # An organization token registers the name for its organization (no personal Owner).
        project = Project.objects.create(
            name=metadata.name,
            normalized_name=name,
            similarity_key=similarity_key(name),
            organization=principal.organization,
        )
        events.add(
            project=project,
            tag="project:project:created",
            actor=principal.user,
            ip_address=ip,
            details={"by": uploaded_by(principal)},
        )
        if principal.user is not None:
            Role.objects.create(project=project, user=principal.user, role=Role.Kind.OWNER)
            events.add(
                project=project,
                tag="project:role:added",
                actor=principal.user,
                ip_address=ip,
                details={"username": principal.user.username, "role": Role.Kind.OWNER},
            )
    if project.quarantined_at is not None:
        raise _quarantined(project)
    if project.total_size + upload.size > settings.MAX_PROJECT_SIZE:
        raise WharfError(
            f"project size too large: '{project.name}' would exceed the limit of "
            f"{settings.MAX_PROJECT_SIZE // (1024 * 1024)} MB; delete old releases or ask the "
            "administrators to raise MAX_PROJECT_SIZE."
        )
    version = str(metadata.version)
    release = one_or_none(
        Release.objects.filter(project=project, canonical_version=canonicalize_version(version))
    )
    if release is None:
        if description_html is None:  # created by a concurrent upload's moment: render now
            description_html = render_html(
                metadata.description or "", metadata.description_content_type or ""
            )
        release = Release.objects.create(
            project=project,
            version=version,
            canonical_version=canonicalize_version(version),
            description_html=description_html,
            **_release_fields(metadata, upload.raw_fields),
        )
        events.add(
            project=project,
            tag="project:release:created",
            actor=principal.user,
            ip_address=ip,
            details={"version": version, **_published_by(principal)},
        )
    metadata_file = upload.metadata_file
    file = File.objects.create(
        release=release,
        filename=upload.filename,
        packagetype=upload.packagetype,
        python_version=upload.python_version,
        requires_python=upload.raw_fields.get("requires_python", ""),
        size=upload.size,
        sha256=upload.sha256,
        blake2_256=upload.blake2_256,
        md5=upload.md5,
        uploaded_by=principal.user,
        upload_token=(
            principal.token
            if principal.kind in (Kind.API_TOKEN, Kind.PUBLISHER, Kind.ORGANIZATION_TOKEN)
            else None
        ),
        path=key,
        metadata_sha256=hashlib.sha256(metadata_file).hexdigest() if metadata_file else "",
        metadata_blake2_256=(
            hashlib.blake2b(metadata_file, digest_size=32).hexdigest() if metadata_file else ""
        ),
    )
    FilenameUse.objects.create(filename=upload.filename, project_name=project.name)
    Project.objects.filter(pk=project.pk).update(
        last_serial=F("last_serial") + 1, total_size=F("total_size") + upload.size
    )
    events.add(
        project=project,
        tag="project:file:uploaded",
        actor=principal.user,
        ip_address=ip,
        details={
            "filename": upload.filename,
            "version": version,
            "token": principal.token.public_id if principal.token is not None else None,
            **_published_by(principal),
            "by": uploaded_by(principal),
        },
    )
    events.save()
    pages_changed(name, index=created_project)
    return file


def _quarantined(project: Project) -> NotAllowed:
    return NotAllowed(
        f"project '{project.name}' is quarantined by the index's staff, so uploads to it are "
        "refused: its Owners were told why by email; reply to the staff to lift it."
    )


def file_upload(
    *, principal: Principal, upload: Upload, request: HttpRequest | None = None
) -> bool:
    """Publish a checked upload; False when it was an identical re-upload (nothing to do)."""
    project = authorize_upload(principal, upload)  # refuses a quarantined project, too
    if _already_exists(upload):
        return False
    description_html = _description_html(upload, project)
    key = file_key(upload.sha256, upload.filename)
    writes: list[tuple[str, IO[bytes] | bytes]] = [(key, upload.content)]
    if upload.metadata_file is not None:
        writes.append((key + ".metadata", upload.metadata_file))
    keys: list[str] = []  # what this request writes, to undo on failure
    try:
        for write_key, body in writes:
            # An existing key holds this very content (the key is its sha256), written by a
            # concurrent upload of the same file: that request owns it, leave it alone.
            if storage_exists(write_key):
                continue
            keys.append(write_key)
            save_exactly(write_key, body)
    except Exception as error:
        logger.exception("storing %s failed: %s: %s", key, type(error).__name__, error)
        for written in keys:
            delete_quietly(written)
        raise WharfError(
            "the file could not be stored, so nothing was published; try again later.",
            status_code=503,
        ) from error
    try:
        with transaction.atomic():
            _record(principal, upload, key, request, description_html)
    except IntegrityError as error:
        for written in keys:
            delete_quietly(written)
        raise WharfError(
            f"File already exists: {upload.filename!r} was uploaded at the same moment by "
            "another request."
        ) from error
    except BaseException:
        for written in keys:
            delete_quietly(written)
        raise
    return True
