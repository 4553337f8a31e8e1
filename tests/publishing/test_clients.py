"""The real clients with trusted publishing against a live server and the fake issuer:
twine and uv upload with a minted token, and `uv publish --trusted-publishing always` runs
the whole exchange itself as on a GitHub Actions runner."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from packages.models import File, Project, ProjectEvent
from tests.factories import PublisherFactory, UserFactory
from tests.packages.conftest import build_sdist, build_wheel
from tests.packages.test_clients import BIN, ENV, run, twine, write

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def mint_over_http(url: str, token: str) -> dict:
    response = requests.post(f"{url}/_/oidc/mint-token", json={"token": token}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    out = tmp_path / "dist"
    out.mkdir()
    return out


def test_twine_then_uv_upload_with_a_minted_token(live_server, issuer, dist):
    owner = UserFactory(verified=True)
    publisher = PublisherFactory(
        issuer=issuer.url("github"), project__name="ci-app", created_by=owner
    )
    publisher.project.roles.create(user=owner, role="Owner")

    minted = mint_over_http(live_server.url, issuer.sign(issuer.github_claims()))
    assert minted["success"] is True
    wheel = write(dist, build_wheel("ci-app", "1.0"))
    result = twine(live_server.url, "__token__", wheel, password=minted["token"])
    assert result.returncode == 0, result.output
    file = File.objects.get(filename=wheel.name)
    assert file.uploaded_by is None  # a CI job, not a person
    uploaded = ProjectEvent.objects.get(tag="project:file:uploaded")
    assert uploaded.actor is None
    assert uploaded.details["published_by"].startswith(
        "GitHub Actions run 9876543210 of example/app@0123456789ab"
    )

    # Another run of the workflow: uv publishes its sdist with a freshly minted token.
    minted = mint_over_http(live_server.url, issuer.sign(issuer.github_claims(run_id="5")))
    sdist = write(dist, build_sdist("ci-app", "1.0"))
    result = run(
        str(BIN / "uv"), "publish", "--publish-url", f"{live_server.url}/legacy/",
        "--token", minted["token"], "--no-attestations", str(sdist), check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.output
    assert File.objects.filter(filename=sdist.name).exists()


def _certificate(directory: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA (the one uv is told to trust) and a localhost certificate it signs."""
    now = dt.datetime.now(dt.UTC)

    def build(subject: str, issuer: str, public_key, signing_key, *, ca: bool):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
                ),
                critical=False,
            )
        return builder.sign(signing_key, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = build("Wharf test CA", "Wharf test CA", ca_key.public_key(), ca_key, ca=True)
    leaf = build("localhost", "Wharf test CA", key.public_key(), ca_key, ca=False)
    ca_path, cert_path, key_path = (directory / n for n in ("ca.pem", "cert.pem", "key.pem"))
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_path, cert_path, key_path


def _pipe(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            target.sendall(data)
    for end in (source, target):
        with contextlib.suppress(OSError):
            end.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def https_front(live_server, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """HTTPS in front of the live server, as in production (uv asks https:// for the
    audience and mint endpoints): a TLS-terminating pipe on 127.0.0.1."""
    ca, cert, key = _certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    backend = urlsplit(live_server.url)
    listener = socket.create_server(("127.0.0.1", 0))
    stopped = threading.Event()

    def serve() -> None:
        while not stopped.is_set():
            try:
                raw, _ = listener.accept()
            except OSError:
                return
            try:
                client = context.wrap_socket(raw, server_side=True)
            except (OSError, ssl.SSLError):
                raw.close()
                continue
            upstream = socket.create_connection((backend.hostname, backend.port))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(a, b), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    yield f"https://localhost:{listener.getsockname()[1]}", ca
    stopped.set()
    listener.close()


def test_uv_trusted_publishing_creates_a_pending_project(https_front, issuer, dist, settings):
    url, cert = https_front
    owner = UserFactory(verified=True)
    PublisherFactory(
        pending=True, issuer=issuer.url("github"), project_name="from-ci", created_by=owner
    )
    wheel = write(dist, build_wheel("from-ci", "0.1"))
    env = {
        **ENV,
        "GITHUB_ACTIONS": "true",
        "ACTIONS_ID_TOKEN_REQUEST_URL": f"{issuer.url('github')}/id-token?api-version=2.0",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "runner-secret",
        "SSL_CERT_FILE": str(cert),
    }
    command = [
        str(BIN / "uv"), "publish", "--publish-url", f"{url}/legacy/",
        "--trusted-publishing", "always", "--no-attestations", str(wheel),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    project = Project.objects.get(normalized_name="from-ci")
    assert project.roles.get().user == owner
    assert File.objects.filter(filename=wheel.name, release__project=project).exists()
    assert ProjectEvent.objects.filter(project=project, tag="project:file:uploaded").exists()
