"""Hostile archives: a distribution is checked before anything reads or stores it.

Wheels must be plain zip files and sdists plain gzip'd tars, with nothing before or after
them (no polyglots); no member may be a link or a device, nor have an absolute or `..` path;
the members may not be too many, nor unpack to too much, nor (the large ones) be compressed
more than ARCHIVE_MAX_COMPRESSION_RATIO to one, as Warehouse refuses. The checks read the
zip's directory without inflating anything, and stream an sdist once through zlib with
bounded memory, so a bomb is refused in well under a second.

Each refusal is a WharfError whose message names the file and says what to do: the upload
view puts it in the reason phrase, which is all twine prints.
"""

from __future__ import annotations

import stat
import struct
import tarfile
import zipfile
import zlib
from typing import IO

from django.conf import settings
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParser

from core.errors import WharfError

_CHUNK = 64 * 1024
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"
_LOCAL_HEADER = b"PK\x03\x04"
REBUILD = "rebuild it with a current build tool (python -m build)"


class ArchiveRefused(WharfError):
    """The archive is malformed or hostile (400, the message says what and what to do)."""


# --- the filename as the client sent it -------------------------------------------------------


class _NameKeepingParser(MultiPartParser):
    """Django's multipart parser, remembering each filename before it strips the path."""

    sent_names: list[str]

    def sanitize_file_name(self, file_name: str) -> str | None:
        self.sent_names.append(file_name)
        return super().sanitize_file_name(file_name)


def keep_sent_filenames(request: HttpRequest) -> None:
    """Make the request remember the filenames of its multipart body as they were sent.

    Django keeps only the last path part ("../../x.whl" becomes "x.whl"); a filename with a
    path is refused instead of being silently renamed. Call before request.POST is read.
    """
    if hasattr(request, "_post") or hasattr(request, "_sent_filenames"):
        return
    names: list[str] = []
    request._sent_filenames = names  # type: ignore[attr-defined]

    def parse_file_upload(meta, post_data):
        parser = _NameKeepingParser(meta, post_data, request.upload_handlers, request.encoding)
        parser.sent_names = names
        return parser.parse()

    request.parse_file_upload = parse_file_upload  # type: ignore[method-assign]


def check_sent_filenames(request: HttpRequest) -> None:
    """Refuse a file whose name, as sent, carries a path ("../x.whl", "..\\x.whl", "/tmp/x")."""
    for name in getattr(request, "_sent_filenames", []):
        if "/" in name or "\\" in name or name in {".", ".."} or not name.isprintable():
            raise ArchiveRefused(
                f"invalid filename {name[:300]!r}: a distribution's filename can't contain a "
                "path or control characters; upload the file under its own name (twine does)."
            )


# --- wheels (zip) ----------------------------------------------------------------------------


def _size(content: IO[bytes]) -> int:
    content.seek(0, 2)
    size = content.tell()
    content.seek(0)
    return size


def _zip_directory(content: IO[bytes], size: int, filename: str) -> tuple[int, int, int]:
    """(entries, directory offset, directory size) from the end record; nothing appended."""
    tail_size = min(size, 22 + 65535)
    content.seek(size - tail_size)
    tail = content.read(tail_size)
    at = tail.rfind(_EOCD)
    not_zip = ArchiveRefused(
        f"invalid wheel: '{filename}' is not a readable zip archive; {REBUILD}."
    )
    if at < 0 or len(tail) - at < 22:
        raise not_zip
    (_, _, _, _, entries, directory_size, directory_offset, comment_length) = struct.unpack(
        "<4s4H2LH", tail[at : at + 22]
    )
    end = size - tail_size + at + 22 + comment_length
    if end != size:
        raise ArchiveRefused(
            f"invalid wheel: '{filename}' has {size - end} bytes after its zip archive (a file "
            f"hidden in another); {REBUILD}."
        )
    record_at = size - tail_size + at
    if 0xFFFF in (entries,) or 0xFFFFFFFF in (directory_size, directory_offset):
        # ZIP64: the real numbers are in the ZIP64 end record, named by its locator.
        if at < 20 or tail[at - 20 : at - 16] != _EOCD64_LOCATOR:
            raise not_zip
        (_, _, record64_at, _) = struct.unpack("<4sLQL", tail[at - 20 : at])
        content.seek(record64_at)
        record = content.read(56)
        if len(record) < 56 or record[:4] != _EOCD64:
            raise not_zip
        (*_, entries, directory_size, directory_offset) = struct.unpack("<4sQ2H2L4Q", record)
        record_at = record64_at
    if directory_offset + directory_size != record_at:
        raise ArchiveRefused(
            f"invalid wheel: '{filename}' has data before its zip directory that no entry "
            f"accounts for (a file hidden in another); {REBUILD}."
        )
    content.seek(0)
    if content.read(4) != _LOCAL_HEADER and entries:
        raise ArchiveRefused(
            f"invalid wheel: '{filename}' does not start with a zip entry (a file hidden in "
            f"another); {REBUILD}."
        )
    return entries, directory_offset, directory_size


def _check_member_name(name: str, filename: str, kind: str) -> None:
    parts = name.replace("\\", "/").split("/")
    if (
        name.startswith(("/", "\\"))
        or (len(name) > 1 and name[1] == ":")
        or ".." in parts
        or "\x00" in name
    ):
        raise ArchiveRefused(
            f"invalid {kind}: '{filename}' contains the path {name[:200]!r}, which points "
            f"outside the archive (absolute or '..'); {REBUILD}."
        )


def _refuse_too_many(filename: str, kind: str) -> ArchiveRefused:
    return ArchiveRefused(
        f"invalid {kind}: '{filename}' has more than {settings.ARCHIVE_MAX_MEMBERS:,} files; "
        "leave generated and data files out of the distribution."
    )


def _refuse_too_large(filename: str, kind: str) -> ArchiveRefused:
    limit = settings.ARCHIVE_MAX_UNCOMPRESSED_SIZE // (1024 * 1024)
    return ArchiveRefused(
        f"invalid {kind}: '{filename}' unpacks to more than {limit:,} MiB; leave large data "
        "files out of the distribution."
    )


def check_wheel(content: IO[bytes], filename: str) -> None:
    """Refuse a wheel that is not a plain zip, or whose members are hostile."""
    kind = "wheel"
    try:
        size = _size(content)
        entries, _, _ = _zip_directory(content, size, filename)
        if entries > settings.ARCHIVE_MAX_MEMBERS:
            raise _refuse_too_many(filename, kind)
        content.seek(0)
        with zipfile.ZipFile(content) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, struct.error) as error:
        raise ArchiveRefused(
            f"invalid wheel: '{filename}' is not a readable zip archive; {REBUILD}."
        ) from error
    finally:
        content.seek(0)
    if len(members) > settings.ARCHIVE_MAX_MEMBERS:
        raise _refuse_too_many(filename, kind)
    total = 0
    for member in members:
        _check_member_name(member.filename, filename, kind)
        kind_bits = stat.S_IFMT(member.external_attr >> 16)  # Unix file type, 0 when unset
        if kind_bits and kind_bits not in (stat.S_IFREG, stat.S_IFDIR):
            what = "a symbolic link" if kind_bits == stat.S_IFLNK else "a special file"
            raise ArchiveRefused(
                f"invalid wheel: '{filename}' contains {what} ({member.filename[:200]!r}); "
                f"only regular files and folders are allowed; {REBUILD}."
            )
        total += member.file_size
        if total > settings.ARCHIVE_MAX_UNCOMPRESSED_SIZE:
            raise _refuse_too_large(filename, kind)
        if (
            member.file_size > settings.ARCHIVE_RATIO_MIN_SIZE
            and member.file_size > settings.ARCHIVE_MAX_COMPRESSION_RATIO * member.compress_size
        ):
            raise ArchiveRefused(
                f"invalid wheel: '{filename}' member {member.filename[:200]!r} is compressed "
                f"{member.file_size // max(member.compress_size, 1):,} to 1 (over "
                f"{settings.ARCHIVE_MAX_COMPRESSION_RATIO} to 1 looks like a zip bomb); leave "
                "such data out of the distribution."
            )


# --- sdists (tar.gz) -------------------------------------------------------------------------


class _Inflated:
    """A read-only stream of a gzip file's content that counts and bounds what it inflates."""

    def __init__(self, raw: IO[bytes], filename: str) -> None:
        self.raw = raw
        self.filename = filename
        self.inflater = zlib.decompressobj(wbits=31)  # gzip header and trailer, CRC checked
        self.pending = b""
        self.buffer = b""
        self.inflated = 0

    def read(self, size: int = -1) -> bytes:
        while (size < 0 or len(self.buffer) < size) and not self.inflater.eof:
            if not self.pending:
                self.pending = self.raw.read(_CHUNK)
                if not self.pending:
                    raise ArchiveRefused(
                        f"invalid sdist: '{self.filename}' is a truncated .tar.gz; {REBUILD}."
                    )
            # At most 4 chunks out per round: a bomb never sits whole in memory.
            data = self.inflater.decompress(self.pending, _CHUNK * 4)
            self.pending = self.inflater.unconsumed_tail
            self.inflated += len(data)
            if self.inflated > settings.ARCHIVE_MAX_UNCOMPRESSED_SIZE:
                raise _refuse_too_large(self.filename, "sdist")
            self.buffer += data
        if size < 0:
            size = len(self.buffer)
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def drain(self) -> None:
        """Inflate to the end of the gzip stream, then refuse anything after it."""
        while not self.inflater.eof:
            self.buffer = b""
            self.read(_CHUNK)
        self.buffer = b""
        if self.inflater.unused_data or self.raw.read(1):
            raise ArchiveRefused(
                f"invalid sdist: '{self.filename}' has data after its gzip stream (a file "
                f"hidden in another); {REBUILD}."
            )


def check_sdist(content: IO[bytes], filename: str) -> None:
    """Refuse an sdist that is not a plain .tar.gz, or whose members are hostile."""
    kind = "sdist"
    compressed = _size(content)
    stream = _Inflated(content, filename)
    try:
        members = 0
        declared = 0
        with tarfile.open(fileobj=stream, mode="r|") as archive:  # type: ignore[call-overload]
            for member in archive:
                members += 1
                if members > settings.ARCHIVE_MAX_MEMBERS:
                    raise _refuse_too_many(filename, kind)
                _check_member_name(member.name, filename, kind)
                if member.issym() or member.islnk():
                    what = "symbolic link" if member.issym() else "hard link"
                    raise ArchiveRefused(
                        f"invalid sdist: '{filename}' contains a {what} ({member.name[:200]!r} "
                        f"-> {member.linkname[:200]!r}); only regular files and folders are "
                        f"allowed; {REBUILD}."
                    )
                if not (member.isfile() or member.isdir()):
                    raise ArchiveRefused(
                        f"invalid sdist: '{filename}' contains a device or special file "
                        f"({member.name[:200]!r}); only regular files and folders are allowed; "
                        f"{REBUILD}."
                    )
                # Sizes are declared in each header: refuse before inflating the member.
                declared += member.size
                if declared > settings.ARCHIVE_MAX_UNCOMPRESSED_SIZE:
                    raise _refuse_too_large(filename, kind)
                if (
                    declared > settings.ARCHIVE_RATIO_MIN_SIZE
                    and declared > settings.ARCHIVE_MAX_COMPRESSION_RATIO * compressed
                ):
                    raise ArchiveRefused(
                        f"invalid sdist: '{filename}' unpacks to {declared // compressed:,} "
                        f"times its size (over {settings.ARCHIVE_MAX_COMPRESSION_RATIO} to 1 "
                        "looks like a gzip bomb); leave such data out of the distribution."
                    )
        stream.drain()
    except (tarfile.TarError, zlib.error, EOFError, OSError) as error:
        raise ArchiveRefused(
            f"invalid sdist: '{filename}' is not a readable .tar.gz archive; {REBUILD}."
        ) from error
    finally:
        content.seek(0)


def check_archive(content: IO[bytes], filename: str) -> None:
    """The checks for the archive kind its filename names (.whl or .tar.gz)."""
    if filename.endswith(".whl"):
        check_wheel(content, filename)
    elif filename.endswith(".tar.gz"):
        check_sdist(content, filename)
