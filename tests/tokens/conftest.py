from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec


@dataclass
class FakeGitHubKeys:
    """GitHub's secret-scanning key list served from 127.0.0.1, with the private key to sign."""

    identifier: str
    private_key: ec.EllipticCurvePrivateKey
    requests: list[str] = field(default_factory=list)

    def sign(self, body: bytes, key: ec.EllipticCurvePrivateKey | None = None) -> str:
        signature = (key or self.private_key).sign(body, ec.ECDSA(hashes.SHA256()))
        return base64.b64encode(signature).decode()

    def headers(self, body: bytes) -> dict[str, str]:
        return {
            "HTTP_GITHUB_PUBLIC_KEY_IDENTIFIER": self.identifier,
            "HTTP_GITHUB_PUBLIC_KEY_SIGNATURE": self.sign(body),
        }


@pytest.fixture
def github_keys(settings) -> Iterator[FakeGitHubKeys]:
    """A local fake of https://api.github.com/meta/public_keys/secret_scanning."""
    keys = FakeGitHubKeys(
        identifier="90a421169f0a406205f1563a953312f0be898d3c7b6c06b681aa86a874555f4a",
        private_key=ec.generate_private_key(ec.SECP256R1()),
    )
    pem = (
        keys.private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    payload = json.dumps(
        {"public_keys": [{"key_identifier": keys.identifier, "key": pem, "is_current": True}]}
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            keys.requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.GITHUB_SECRET_SCANNING_KEYS_URL = (
        f"http://127.0.0.1:{server.server_port}/meta/public_keys/secret_scanning"
    )
    yield keys
    server.shutdown()
    server.server_close()
