"""A local fake OIDC issuer (discovery + JWKS over HTTP on 127.0.0.1) that signs real JWTs.

One server plays three issuers, one per kind: `<server>/github`, `<server>/gitlab` and
`<server>/generic`; `settings.OIDC_ISSUERS` trusts them for the test. Keys are generated here
with `cryptography`; `rotate()` replaces the published keys as a real issuer does.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.test import Client

from tests.factories import UserFactory

AUDIENCE = "wharf-test"
_kids = itertools.count(1)


@dataclass
class SigningKey:
    kid: str
    algorithm: str
    private: Any

    @classmethod
    def generate(cls, algorithm: str = "RS256") -> SigningKey:
        if algorithm == "ES256":
            private = ec.generate_private_key(ec.SECP256R1())
        else:
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(kid=f"key-{next(_kids)}", algorithm=algorithm, private=private)

    def jwk(self) -> dict:
        public = self.private.public_key()
        if self.algorithm == "ES256":
            data = jwt.algorithms.ECAlgorithm.to_jwk(public, as_dict=True)
        else:
            data = jwt.algorithms.RSAAlgorithm.to_jwk(public, as_dict=True)
        return {**data, "kid": self.kid, "alg": self.algorithm, "use": "sig"}


@dataclass
class FakeIssuer:
    """The issuers served by the fake server, their keys, and what was requested."""

    base: str
    keys: list[SigningKey] = field(default_factory=lambda: [SigningKey.generate()])
    requests: list[str] = field(default_factory=list)
    # What the CI runner's token endpoint signs for uv (GitHub's ACTIONS_ID_TOKEN_REQUEST_URL).
    runner_claims: dict[str, Any] = field(default_factory=dict)

    def url(self, kind: str = "github") -> str:
        return f"{self.base}/{kind}"

    def rotate(self, algorithm: str = "RS256") -> SigningKey:
        """Publish a new key in place of the old ones (tokens signed before now fail)."""
        key = SigningKey.generate(algorithm)
        self.keys = [key]
        return key

    def sign(
        self,
        claims: dict[str, Any],
        *,
        key: SigningKey | None = None,
        headers: dict[str, Any] | None = None,
    ) -> str:
        key = key or self.keys[0]
        return jwt.encode(
            claims,
            key.private,
            algorithm=key.algorithm,
            headers={"kid": key.kid, **(headers or {})},
        )

    def _times(self, now: float | None = None) -> dict[str, int]:
        now = int(now or time.time())
        return {"iat": now, "nbf": now, "exp": now + 300}

    def github_claims(self, **overrides: Any) -> dict[str, Any]:
        """Claims shaped like a GitHub Actions token of example/app's release.yml on a tag."""
        claims = {
            "iss": self.url("github"),
            "aud": AUDIENCE,
            "jti": uuid.uuid4().hex,
            "sub": "repo:example/app:ref:refs/tags/v1.0",
            "repository": "example/app",
            "repository_id": "4242",
            "repository_owner": "example",
            "repository_owner_id": "77",
            "workflow_ref": "example/app/.github/workflows/release.yml@refs/tags/v1.0",
            "job_workflow_ref": "example/app/.github/workflows/release.yml@refs/tags/v1.0",
            "ref": "refs/tags/v1.0",
            "sha": "0123456789abcdef0123456789abcdef01234567",
            "run_id": "9876543210",
            "run_attempt": "1",
            "actor": "octocat",
            "event_name": "push",
            **self._times(),
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def gitlab_claims(self, **overrides: Any) -> dict[str, Any]:
        """Claims shaped like a GitLab CI id_token of group/app's .gitlab-ci.yml on main."""
        host = urlsplit(self.url("gitlab")).netloc
        claims = {
            "iss": self.url("gitlab"),
            "aud": AUDIENCE,
            "jti": str(uuid.uuid4()),
            "sub": "project_path:group/app:ref_type:branch:ref:main",
            "namespace_id": "11",
            "namespace_path": "group",
            "project_id": "22",
            "project_path": "group/app",
            "user_login": "alice",
            "pipeline_id": "3333",
            "job_id": "4444",
            "ref": "main",
            "ref_type": "branch",
            "sha": "fedcba9876543210fedcba9876543210fedcba98",
            "ci_config_ref_uri": f"{host}/group/app//.gitlab-ci.yml@refs/heads/main",
            **self._times(),
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def generic_claims(self, **overrides: Any) -> dict[str, Any]:
        claims = {
            "iss": self.url("generic"),
            "aud": AUDIENCE,
            "jti": uuid.uuid4().hex,
            "sub": "repo:team/app:ref:refs/tags/v1",
            "repository": "team/app",
            "ref": "refs/tags/v1",
            **self._times(),
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}


def _serve(issuer: FakeIssuer) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            issuer.requests.append(self.path)
            parts = urlsplit(self.path)
            kind, _, rest = parts.path.strip("/").partition("/")
            if rest == ".well-known/openid-configuration":
                body = {"issuer": issuer.url(kind), "jwks_uri": f"{issuer.url(kind)}/jwks"}
            elif rest == "jwks":
                body = {"keys": [key.jwk() for key in issuer.keys]}
            elif rest == "id-token":  # the CI runner's token endpoint (GitHub's shape)
                if self.headers.get("Authorization", "").lower() != "bearer runner-secret":
                    self.send_response(401)
                    self.end_headers()
                    return
                audience = parse_qs(parts.query).get("audience", [AUDIENCE])[0]
                claims = issuer.github_claims(aud=audience, **issuer.runner_claims)
                body = {"value": issuer.sign(claims)}
            else:
                self.send_response(404)
                self.end_headers()
                return
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


@pytest.fixture
def issuer(settings) -> Iterator[FakeIssuer]:
    """The fake issuers, trusted by the index for this test."""
    fake = FakeIssuer(base="")
    server = _serve(fake)
    fake.base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.OIDC_ISSUERS = [
        ("github", fake.url("github")),
        ("gitlab", fake.url("gitlab")),
        ("generic", fake.url("generic")),
    ]
    settings.OIDC_AUDIENCE = AUDIENCE
    settings.OIDC_ALLOW_PRIVATE_ISSUERS = True
    yield fake
    server.shutdown()
    server.server_close()


def mint(client: Client, token: str, **extra):
    """POST a CI token to /_/oidc/mint-token as gh-action-pypi-publish and uv do."""
    return client.post(
        "/_/oidc/mint-token", {"token": token}, content_type="application/json", **extra
    )


def error_codes(response) -> list[str]:
    return [error["code"] for error in response.json()["errors"]]


@pytest.fixture
def owner(db):
    return UserFactory(verified=True)
