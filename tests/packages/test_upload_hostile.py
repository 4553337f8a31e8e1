"""Hostile distributions at /legacy/: odd filenames and archives built to exhaust the server."""

from __future__ import annotations

import io
import tarfile
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from packages.models import File
from tests.packages.conftest import Dist, basic_auth, metadata_text, upload, wheel

pytestmark = pytest.mark.django_db


def assert_refused(response, *phrases: str) -> None:
    assert response.status_code == 400, response.content
    for phrase in phrases:
        assert phrase in response.reason_phrase, response.reason_phrase
        assert phrase in response.content.decode()


@pytest.mark.parametrize(
    "filename",
    [
        'demo_pkg-1.0-py3-none-any";filename=x.html.whl',
        "demo_pkg-1.0-py3-none-any<svg onload=alert(1)>.whl",
        "demo_pkg-1.0-py3-none-any%2F..whl",
        "demo_pkg-1.0-py3-none-" + "a" * 300 + ".whl",
    ],
)
def test_filenames_outside_what_build_tools_write_are_refused(
    client, user, filename, files_storage
):
    dist = wheel()
    response = upload(client, dist, user.username, content=SimpleUploadedFile(filename, dist.data))
    assert_refused(response, "invalid filename", "rebuild it with a current build tool")
    assert not File.objects.exists()
    assert not files_storage.exists() or not any(files_storage.rglob("*.whl"))


def test_ordinary_filenames_still_upload(client, user):
    dist = wheel(version="1!2.0.post1")
    assert dist.filename == "demo_pkg-1!2.0.post1-py3-none-any.whl"
    assert upload(client, dist, user.username).status_code == 200


def _sdist_with_padding(padding: int) -> Dist:
    """An sdist whose PKG-INFO comes after `padding` bytes of zeros (a few kB compressed)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        zeros = tarfile.TarInfo("demo_pkg-1.0/zeros.bin")
        zeros.size = padding
        archive.addfile(zeros, io.BytesIO(bytes(padding)))
        data = metadata_text("demo-pkg", "1.0").encode()
        info = tarfile.TarInfo("demo_pkg-1.0/PKG-INFO")
        info.size, info.mtime = len(data), int(time.time())
        archive.addfile(info, io.BytesIO(data))
    return Dist("demo_pkg-1.0.tar.gz", buffer.getvalue(), name="demo-pkg", version="1.0")


def test_sdist_that_unpacks_to_far_more_than_its_size_is_refused(client, user, monkeypatch):
    monkeypatch.setattr("packages.upload.MIN_SDIST_SCAN", 1024 * 1024)  # keep the test quick
    bomb = _sdist_with_padding(16 * 1024 * 1024)
    assert len(bomb.data) < 50_000
    response = upload(client, bomb, user.username)
    assert_refused(response, "invalid sdist", "unpacks to", "leave such data out")
    assert not File.objects.exists()


def test_sdist_with_ordinary_content_before_pkg_info_uploads(client, user, monkeypatch):
    monkeypatch.setattr("packages.upload.MIN_SDIST_SCAN", 1024 * 1024)
    response = upload(client, _sdist_with_padding(512 * 1024), user.username)
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("header", "label"),
    [
        ("Home-page: https://x.example/" + "a" * 1100, "home-page"),
        ("Author: " + "a" * 600, "author"),
        ("Keywords: " + ",".join(["kw"] * 600), "keywords"),
        ("Platform: " + "p" * 600, "platform"),
        ("Requires-Python: >=3." + "1" * 300, "requires-python"),
    ],
)
def test_metadata_longer_than_its_column_is_refused_not_a_server_error(
    client, user, header, label, files_storage
):
    response = upload(client, wheel(extra_headers=header + "\n"), user.username)
    assert_refused(response, "invalid metadata", f"{label} is", "shorten it and rebuild")
    assert not File.objects.exists()
    assert not files_storage.exists() or not any(files_storage.rglob("*.whl"))


def test_pyversion_longer_than_its_column_is_refused(client, user):
    response = upload(client, wheel(), user.username, pyversion="p" * 150)
    assert_refused(response, "pyversion is", "shorten it")


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
    ],
)
def test_a_form_on_another_site_cannot_upload_with_remembered_credentials(
    client, user, headers, files_storage
):
    dist = wheel()
    response = client.post(
        "/legacy/", dist.form(), HTTP_AUTHORIZATION=basic_auth(user.username), **headers
    )
    assert response.status_code == 403
    assert "not accepted from web pages: upload with twine" in response.reason_phrase
    assert "WWW-Authenticate" not in response  # no browser prompt for credentials either
    assert not File.objects.exists()


def test_upload_clients_send_no_origin_and_are_accepted(client, user):
    dist = wheel()
    response = client.post("/legacy/", dist.form(), HTTP_AUTHORIZATION=basic_auth(user.username))
    assert response.status_code == 200
