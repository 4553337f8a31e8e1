"""Issue 14 #4: hostile archives, built for real in each test, refused at /legacy/ (and by twine).

Each one answered 200 before packages/archives.py: a wheel inflating to 200 MiB, a wheel
with 200,000 entries, a .tar.gz with a zip appended, links and devices in an sdist, and
filenames carrying a path. Each is refused with its reason in the phrase twine prints,
within two seconds, with bounded memory.
"""

from __future__ import annotations

import io
import stat
import struct
import tarfile
import time
import tracemalloc
import zipfile
import zlib

import pytest

from packages.archives import ArchiveRefused, check_archive
from packages.models import File
from tests.packages.conftest import (
    Dist,
    basic_auth,
    build_sdist,
    build_wheel,
    metadata_text,
    upload,
    wheel,
)

pytestmark = pytest.mark.django_db

MiB = 1024 * 1024


def refused(client, user, dist: Dist, *phrases: str, seconds: float = 2.0) -> None:
    """Upload dist: a 400 naming every phrase, fast; the check holds no bomb in memory."""
    client.get("/legacy/")  # the first request imports the site's code: not what is measured
    started = time.monotonic()
    response = upload(client, dist, user.username)
    elapsed = time.monotonic() - started
    assert response.status_code == 400, (response.status_code, response.content)
    for phrase in phrases:
        assert phrase in response.reason_phrase, response.reason_phrase
    assert elapsed < seconds, f"took {elapsed:.2f} s"
    assert not File.objects.exists()
    # The check itself, on the file as the request handed it over: little memory, little time.
    content = io.BytesIO(dist.data)
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(ArchiveRefused):
            check_archive(content, dist.filename)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 1.0
    assert peak < 16 * MiB, f"peak memory {peak / MiB:.0f} MiB"


def _wheel_with(extra: dict[str, bytes] | None = None, *, infos=()) -> bytes:
    """The test wheel plus extra members (ZipInfo objects in infos for special ones)."""
    _, data = build_wheel("demo-pkg", "1.0")
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        for path, content in (extra or {}).items():
            archive.writestr(path, content)
        for info, content in infos:
            archive.writestr(info, content)
    return buffer.getvalue()


def _sdist_with(*members: tuple[tarfile.TarInfo, bytes | None]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        pkg_info = metadata_text("demo-pkg", "1.0").encode()
        info = tarfile.TarInfo("demo_pkg-1.0/PKG-INFO")
        info.size = len(pkg_info)
        archive.addfile(info, io.BytesIO(pkg_info))
        for member, content in members:
            archive.addfile(member, io.BytesIO(content) if content is not None else None)
    return buffer.getvalue()


def _dist(filename: str, data: bytes) -> Dist:
    return Dist(filename, data, name="demo-pkg", version="1.0")


WHEEL = "demo_pkg-1.0-py3-none-any.whl"
SDIST = "demo_pkg-1.0.tar.gz"


def test_zip_bomb_wheel_is_refused(client, user):
    # 200 MiB of zeros deflated to about 200 kB, written in chunks (the test holds no bomb).
    buffer = io.BytesIO(build_wheel("demo-pkg", "1.0")[1])
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("demo_pkg/data.bin", date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as member:
            chunk = bytes(MiB)
            for _ in range(200):
                member.write(chunk)
    data = buffer.getvalue()
    assert len(data) < 400 * 1024
    refused(client, user, _dist(WHEEL, data), "invalid wheel", "looks like a zip bomb")


def _zip_with_entries(count: int) -> bytes:
    """A real zip of count empty files, written directly (zipfile takes ~10 s for 200,000)."""
    local, central = bytearray(), bytearray()
    crc = zlib.crc32(b"")
    for number in range(count):
        name = f"demo_pkg/f{number}.py".encode()
        offset = len(local)
        local += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, crc, 0, 0, len(name), 0)
        local += name
        central += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, crc, 0, 0,
            len(name), 0, 0, 0, 0, 0, offset,
        )  # fmt: skip
        central += name
    entries = min(count, 0xFFFF)
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, entries, entries, len(central), len(local), 0
    )
    if count > 0xFFFF:
        zip64_at = len(local) + len(central)
        end = (
            struct.pack(
                "<4sQ2H2L4Q",
                b"PK\x06\x06",
                44,
                45,
                45,
                0,
                0,
                count,
                count,
                len(central),
                len(local),
            )  # fmt: skip
            + struct.pack("<4sLQL", b"PK\x06\x07", 0, zip64_at, 1)
            + struct.pack(
                "<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0
            )
        )
    return bytes(local + central + end)


def test_wheel_with_200000_entries_is_refused(client, user):
    data = _zip_with_entries(200_000)
    assert len(zipfile.ZipFile(io.BytesIO(data)).infolist()) == 200_000  # a real zip
    # 23 MB of multipart for the test client to build and Django to parse: the refusal itself
    # reads only the zip's end record (timed below the request in refused()).
    refused(client, user, _dist(WHEEL, data), "invalid wheel", "more than 20,000 files", seconds=6)


def test_sdist_with_a_zip_appended_is_refused(client, user):
    # The polyglot: a valid .tar.gz that is also a zip (read from the end) of something else.
    _, tar_gz = build_sdist("demo-pkg", "1.0")
    _, other_zip = build_wheel("evil", "1.0")
    refused(client, user, _dist(SDIST, tar_gz + other_zip), "invalid sdist", "data after its gzip")


def test_wheel_with_something_before_it_is_refused(client, user):
    _, tar_gz = build_sdist("demo-pkg", "1.0")
    _, real_wheel = build_wheel("demo-pkg", "1.0")
    refused(client, user, _dist(WHEEL, tar_gz + real_wheel), "invalid wheel", "hidden in another")


def test_wheel_with_something_after_it_is_refused(client, user):
    data = build_wheel("demo-pkg", "1.0")[1] + b"#!/bin/sh\necho hidden\n"
    refused(client, user, _dist(WHEEL, data), "invalid wheel", "after its zip archive")


def _link(name: str, kind: bytes, target: str) -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.type, member.linkname = kind, target
    return member


@pytest.mark.parametrize(
    ("member", "phrase"),
    [
        (_link("demo_pkg-1.0/passwd", tarfile.SYMTYPE, "/etc/passwd"), "symbolic link"),
        (_link("demo_pkg-1.0/hard", tarfile.LNKTYPE, "demo_pkg-1.0/PKG-INFO"), "hard link"),
        (_link("demo_pkg-1.0/null", tarfile.CHRTYPE, ""), "device or special file"),
        (_link("demo_pkg-1.0/disk", tarfile.BLKTYPE, ""), "device or special file"),
        (_link("demo_pkg-1.0/pipe", tarfile.FIFOTYPE, ""), "device or special file"),
    ],
    ids=["symlink", "hardlink", "char-device", "block-device", "fifo"],
)
def test_sdist_with_links_or_devices_is_refused(client, user, member, phrase):
    refused(client, user, _dist(SDIST, _sdist_with((member, None))), "invalid sdist", phrase)


@pytest.mark.parametrize("path", ["/etc/cron.d/evil", "demo_pkg-1.0/../../evil.py", "../evil"])
def test_sdist_member_outside_the_archive_is_refused(client, user, path):
    member = tarfile.TarInfo(path)
    member.size = 2
    data = _sdist_with((member, b"x\n"))
    refused(client, user, _dist(SDIST, data), "invalid sdist", "points outside the archive")


@pytest.mark.parametrize("path", ["/etc/evil.py", "demo_pkg/../../evil.py", "..\\evil.py"])
def test_wheel_member_outside_the_archive_is_refused(client, user, path):
    info = zipfile.ZipInfo("placeholder")
    info.filename = path  # ZipInfo would rewrite a leading "/" and backslashes
    data = _wheel_with(infos=[(info, b"x = 1\n")])
    refused(client, user, _dist(WHEEL, data), "invalid wheel", "points outside the archive")


def test_wheel_with_a_symlink_is_refused(client, user):
    info = zipfile.ZipInfo("demo_pkg/passwd")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    data = _wheel_with(infos=[(info, b"/etc/passwd")])
    refused(client, user, _dist(WHEEL, data), "invalid wheel", "symbolic link")


def _multipart(dist: Dist, sent_filename: str) -> tuple[bytes, str]:
    """The body twine would send, but with the filename written as given (path and all)."""
    boundary = "wharf-test-boundary"
    lines: list[bytes] = []
    for key, value in dist.form(content=None).items():
        lines += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{key}"'.encode(),
            b"",
            str(value).encode(),
        ]
    lines += [
        f"--{boundary}".encode(),
        f'Content-Disposition: form-data; name="content"; filename="{sent_filename}"'.encode(),
        b"Content-Type: application/octet-stream",
        b"",
        dist.data,
        f"--{boundary}--".encode(),
        b"",
    ]
    return b"\r\n".join(lines), f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(
    "sent",
    [
        "../../demo_pkg-1.0-py3-none-any.whl",
        "..\\demo_pkg-1.0-py3-none-any.whl",
        "/tmp/demo_pkg-1.0-py3-none-any.whl",  # noqa: S108 - a name sent, no file is made
    ],
)
def test_filename_with_a_path_is_refused(client, user, sent):
    dist = wheel()
    body, content_type = _multipart(dist, sent)
    response = client.post(
        "/legacy/",
        body,
        content_type=content_type,
        HTTP_AUTHORIZATION=basic_auth(user.username),
    )
    assert response.status_code == 400, response.content
    assert "invalid filename" in response.reason_phrase
    assert "can't contain a path" in response.reason_phrase
    assert "under its own name" in response.reason_phrase
    assert not File.objects.exists()


def test_the_same_file_under_its_own_name_uploads(client, user):
    dist = wheel()
    body, content_type = _multipart(dist, dist.filename)
    response = client.post(
        "/legacy/", body, content_type=content_type, HTTP_AUTHORIZATION=basic_auth(user.username)
    )
    assert response.status_code == 200, response.content


def test_ordinary_archives_with_folders_and_many_files_upload(client, user):
    files = {f"demo_pkg/module{n}.py": b"x = 1\n" for n in range(500)}
    assert upload(client, _dist(WHEEL, _wheel_with(files)), user.username).status_code == 200
    folder = tarfile.TarInfo("demo_pkg-1.0/src")
    folder.type = tarfile.DIRTYPE
    code = tarfile.TarInfo("demo_pkg-1.0/src/code.py")
    code.size = 6
    data = _sdist_with((folder, None), (code, b"x = 1\n"))
    assert upload(client, _dist(SDIST, data), user.username).status_code == 200


def test_limits_come_from_settings(client, user, settings):
    settings.ARCHIVE_MAX_MEMBERS = 5
    response = upload(client, wheel(), user.username)
    assert response.status_code == 200  # 4 members
    files = {f"demo_pkg/m{n}.py": b"" for n in range(3)}
    response = upload(client, _dist("demo_pkg-1.0-py3-none-win32.whl", _wheel_with(files)),
                      user.username)  # fmt: skip
    assert response.status_code == 400
    assert "more than 5 files" in response.reason_phrase


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_twine_prints_why_a_polyglot_and_a_bomb_are_refused(live_server, tmp_path):
    from tests.factories import UserFactory
    from tests.packages.test_clients import twine

    uploader = UserFactory(verified=True)
    _, tar_gz = build_sdist("demo-pkg", "1.0")
    polyglot = tmp_path / SDIST
    polyglot.write_bytes(tar_gz + build_wheel("evil", "1.0")[1])
    result = twine(live_server.url, uploader.username, polyglot)
    assert result.returncode != 0
    assert "400" in result.output and "data after its gzip stream" in result.output
    assert "python -m build" in result.output

    bomb = tmp_path / WHEEL
    bomb.write_bytes(build_wheel("demo-pkg", "1.0")[1])
    archive = zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED)
    with archive, archive.open("demo_pkg/big.bin", "w", force_zip64=True) as member:
        for _ in range(64):
            member.write(bytes(MiB))
    result = twine(live_server.url, uploader.username, bomb)
    assert "400" in result.output and "looks like a zip bomb" in result.output
    assert not File.objects.exists()
