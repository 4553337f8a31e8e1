"""Fixtures for the package index: a private files storage, distribution builders, personas."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import time
import zipfile
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from packages.models import Role
from tests.factories import PASSWORD, ProjectFactory, RoleFactory, UserFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """Uploads authenticate on every request; argon2 would make these tests slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def metadata_text(
    name: str,
    version: str,
    *,
    requires_dist: list[str] = (),
    requires_python: str | None = None,
    summary: str = "A test package",
    description: str = "Hello *world*",
    extra_headers: str = "",
    metadata_version: str = "2.1",
) -> str:
    lines = [f"Metadata-Version: {metadata_version}", f"Name: {name}", f"Version: {version}"]
    lines.append(f"Summary: {summary}")
    if requires_python:
        lines.append(f"Requires-Python: {requires_python}")
    lines += [f"Requires-Dist: {r}" for r in requires_dist]
    lines.append("Project-URL: Source, https://example.com/src")
    lines.append("Description-Content-Type: text/markdown")
    text = "\n".join(lines) + "\n" + extra_headers
    return text + "\n" + description + "\n"


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def dist_name(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


def build_wheel(
    name: str, version: str, *, metadata: str | None = None, **kwargs
) -> tuple[str, bytes]:
    """A minimal, installable pure-Python wheel: (filename, bytes)."""
    dist = dist_name(name)
    info = f"{dist}-{version}.dist-info"
    files = {
        f"{dist}/__init__.py": f"VERSION = {version!r}\n".encode(),
        f"{info}/METADATA": (metadata or metadata_text(name, version, **kwargs)).encode(),
        f"{info}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: wharf-tests\nRoot-Is-Purelib: true\n"
            b"Tag: py3-none-any\n"
        ),
    }
    record = [_record_line(p, d) for p, d in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(zipfile.ZipInfo(path, date_time=(2026, 1, 1, 0, 0, 0)), data)
    return f"{dist}-{version}-py3-none-any.whl", buffer.getvalue()


def build_sdist(
    name: str, version: str, *, metadata: str | None = None, **kwargs
) -> tuple[str, bytes]:
    """A minimal sdist (.tar.gz with PKG-INFO): (filename, bytes)."""
    dist = dist_name(name)
    top = f"{dist}-{version}"
    files = {
        f"{top}/PKG-INFO": (metadata or metadata_text(name, version, **kwargs)).encode(),
        f"{top}/pyproject.toml": b'[build-system]\nrequires = ["setuptools"]\n',
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, data in files.items():
            member = tarfile.TarInfo(path)
            member.size = len(data)
            member.mtime = int(time.time())
            archive.addfile(member, io.BytesIO(data))
    return f"{top}.tar.gz", buffer.getvalue()


def basic_auth(username: str, password: str = PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


@dataclass
class Dist:
    filename: str
    data: bytes
    name: str
    version: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def form(self, **overrides) -> dict:
        """The multipart fields twine sends for this file."""
        fields = {
            ":action": "file_upload",
            "protocol_version": "1",
            "name": self.name,
            "version": self.version,
            "filetype": "bdist_wheel" if self.filename.endswith(".whl") else "sdist",
            "pyversion": "py3" if self.filename.endswith(".whl") else "source",
            "metadata_version": "2.1",
            "sha256_digest": self.sha256,
            "blake2_256_digest": hashlib.blake2b(self.data, digest_size=32).hexdigest(),
            "content": SimpleUploadedFile(self.filename, self.data),
        }
        fields.update(overrides)
        return {k: v for k, v in fields.items() if v is not None}


def wheel(name: str = "demo-pkg", version: str = "1.0", **kwargs) -> Dist:
    return Dist(*build_wheel(name, version, **kwargs), name=name, version=version)


def sdist(name: str = "demo-pkg", version: str = "1.0", **kwargs) -> Dist:
    return Dist(*build_sdist(name, version, **kwargs), name=name, version=version)


def upload(client: Client, dist: Dist, username: str, password: str = PASSWORD, **overrides):
    """POST a distribution to /legacy/ as twine would."""
    return client.post(
        "/legacy/", dist.form(**overrides), HTTP_AUTHORIZATION=basic_auth(username, password)
    )


@pytest.fixture
def owner(db):
    return UserFactory(verified=True)


@pytest.fixture
def maintainer(db):
    return UserFactory(verified=True)


@pytest.fixture
def outsider(db):
    return UserFactory(verified=True)


@pytest.fixture
def project(owner, maintainer):
    """A project with an Owner and a Maintainer, no releases."""
    project = ProjectFactory(name="demo-pkg")
    RoleFactory(project=project, user=owner, role=Role.Kind.OWNER)
    RoleFactory(project=project, user=maintainer, role=Role.Kind.MAINTAINER)
    return project
