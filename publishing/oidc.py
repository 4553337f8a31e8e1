"""Verifying a CI job's OIDC token: trusted issuers, discovery, cached keys, claims.

Only issuers listed in `settings.OIDC_ISSUERS` are trusted. Their signing keys are found by
OIDC discovery (`<issuer>/.well-known/openid-configuration` → `jwks_uri`), fetched through
`core.outside.fetch` (private addresses refused unless OIDC_ALLOW_PRIVATE_ISSUERS) and kept
in the cache; a token signed with a key id we don't know makes us fetch the keys again, at
most once a minute per issuer, so rotated keys are picked up and junk can't make us hammer
the issuer.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from django.conf import settings
from django.core.cache import cache

from core.errors import WharfError
from core.outside import FetchError, fetch

ALGORITHMS = ("RS256", "ES256")
KEYS_CACHE_SECONDS = 60 * 60
REFETCH_INTERVAL_SECONDS = 60
MAX_TOKEN_LENGTH = 16 * 1024


@dataclass(frozen=True)
class Problem:
    code: str
    description: str


class TokenRefused(WharfError):
    """The OIDC token (or what it claims) is not accepted; `problems` say which and why."""

    status_code = 422

    def __init__(self, message: str, problems: list[Problem], *, status_code: int | None = None):
        super().__init__(message, status_code=status_code)
        self.problems = problems


def refuse(code: str, description: str, *, status_code: int | None = None) -> TokenRefused:
    return TokenRefused(description, [Problem(code, description)], status_code=status_code)


@dataclass(frozen=True)
class Issuer:
    kind: str  # github, gitlab or generic
    url: str


@dataclass
class VerifiedToken:
    issuer: Issuer
    claims: dict[str, Any] = field(default_factory=dict)


def trusted_issuers() -> list[Issuer]:
    return [Issuer(kind=kind, url=url) for kind, url in settings.OIDC_ISSUERS]


def issuer_named(url: str) -> Issuer | None:
    url = str(url).rstrip("/")
    return next((issuer for issuer in trusted_issuers() if issuer.url == url), None)


def issuers_of_kind(kind: str) -> list[Issuer]:
    return [issuer for issuer in trusted_issuers() if issuer.kind == kind]


def _cache_key(issuer: Issuer, what: str) -> str:
    return f"oidc:{what}:{hashlib.sha256(issuer.url.encode()).hexdigest()[:32]}"


def _get_json(url: str, what: str) -> dict:
    try:
        answer = fetch(url, allow_private=settings.OIDC_ALLOW_PRIVATE_ISSUERS)
    except FetchError as error:
        raise refuse("issuer-unavailable", f"{what}: {error.message}", status_code=503) from error
    if answer.status != 200:
        raise refuse(
            "issuer-unavailable",
            f"{what}: {url} answered HTTP {answer.status}; try again later.",
            status_code=503,
        )
    try:
        body = json.loads(answer.body)
    except ValueError as error:
        raise refuse(
            "issuer-unavailable", f"{what}: {url} did not answer JSON.", status_code=503
        ) from error
    if not isinstance(body, dict):
        raise refuse(
            "issuer-unavailable",
            f"{what}: {url} answered an unexpected JSON value.",
            status_code=503,
        )
    return body


def _fetch_keys(issuer: Issuer) -> dict[str, dict]:
    """The issuer's signing keys by key id, fetched by OIDC discovery."""
    discovery_url = f"{issuer.url}/.well-known/openid-configuration"
    discovery = _get_json(discovery_url, f"could not read {issuer.url}'s OIDC configuration")
    if str(discovery.get("issuer", "")).rstrip("/") != issuer.url:
        raise refuse(
            "issuer-unavailable",
            f"{discovery_url} names the issuer {discovery.get('issuer')!r}, not {issuer.url!r}: "
            "the operator must fix OIDC_ISSUERS.",
            status_code=503,
        )
    jwks_uri = discovery.get("jwks_uri")
    if not isinstance(jwks_uri, str):
        raise refuse("issuer-unavailable", f"{discovery_url} names no jwks_uri.", status_code=503)
    jwks = _get_json(jwks_uri, f"could not read {issuer.url}'s signing keys")
    keys = {}
    for key in jwks.get("keys") or []:
        if isinstance(key, dict) and isinstance(key.get("kid"), str):
            keys[key["kid"]] = key
    cache.set(_cache_key(issuer, "jwks"), keys, KEYS_CACHE_SECONDS)
    return keys


def _signing_key(issuer: Issuer, kid: str) -> jwt.PyJWK:
    keys = cache.get(_cache_key(issuer, "jwks"))
    # An unknown key id: the issuer may have rotated its keys. Ask again, but at most once
    # a minute (set-if-absent, so all processes share the pause).
    if keys is None or (
        kid not in keys and cache.add(_cache_key(issuer, "refetch"), 1, REFETCH_INTERVAL_SECONDS)
    ):
        keys = _fetch_keys(issuer)
    if kid not in keys:
        raise refuse(
            "invalid-token",
            f"the token is signed with key {kid[:100]!r}, which {issuer.url} does not publish: "
            "request a fresh token from your CI.",
        )
    try:
        return jwt.PyJWK(keys[kid])
    except (jwt.PyJWKError, jwt.InvalidKeyError) as error:
        raise refuse(
            "invalid-token", f"{issuer.url}'s key {kid[:100]!r} is not usable: {error}."
        ) from error


def verify(token: str) -> VerifiedToken:
    """The verified claims of a CI job's OIDC token, or TokenRefused saying what is wrong."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise refuse(
            "invalid-payload",
            'send JSON {"token": "<the OIDC token your CI job issued>"}.',
        )
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as error:
        raise refuse(
            "invalid-token", f"the token is not a well-formed JWT ({error}): send the raw token."
        ) from error
    algorithm = header.get("alg")
    if algorithm not in ALGORITHMS:
        raise refuse(
            "invalid-token",
            f"the token is signed with {str(algorithm)[:20]!r}; only RS256 and ES256 are accepted.",
        )
    issuer_url = unverified.get("iss")
    issuer = issuer_named(issuer_url) if isinstance(issuer_url, str) else None
    if issuer is None:
        trusted = ", ".join(i.url for i in trusted_issuers()) or "none"
        raise refuse(
            "invalid-issuer",
            f"the token's issuer {str(issuer_url)[:200]!r} is not trusted by this index "
            f"(trusted: {trusted}); ask its administrators to add it to OIDC_ISSUERS.",
        )
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise refuse("invalid-token", "the token's header names no key id (kid).")
    key = _signing_key(issuer, kid)
    audience = settings.OIDC_AUDIENCE
    try:
        claims = jwt.decode(
            token,
            key=key,
            algorithms=[algorithm],
            audience=audience,
            issuer=issuer.url,
            leeway=settings.OIDC_LEEWAY,
            options={"require": ["iss", "aud", "exp", "iat", "jti"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise refuse(
            "expired-token",
            f"the token expired at {_when(unverified.get('exp'))}: request a fresh one from "
            "your CI job right before exchanging it.",
        ) from error
    except jwt.ImmatureSignatureError as error:
        raise refuse(
            "not-yet-valid",
            f"the token is not valid before {_when(unverified.get('nbf'))} (or was issued in "
            "the future): check the CI machine's clock.",
        ) from error
    except jwt.InvalidAudienceError as error:
        raise refuse(
            "invalid-audience",
            f"the token's audience is {unverified.get('aud')!r}, but this index expects "
            f"{audience!r}: request the token with that audience (GET /_/oidc/audience).",
        ) from error
    except jwt.MissingRequiredClaimError as error:
        raise refuse(
            "invalid-token", f"the token has no {error.claim!r} claim; a CI token always has one."
        ) from error
    except jwt.InvalidSignatureError as error:
        raise refuse(
            "invalid-signature",
            f"the token's signature does not verify with {issuer.url}'s key {kid[:100]!r}: it "
            "was altered or not issued by that issuer.",
        ) from error
    except jwt.PyJWTError as error:
        raise refuse("invalid-token", f"the token is not valid: {error}.") from error
    return VerifiedToken(issuer=issuer, claims=claims)


def _when(timestamp: object) -> str:
    if not isinstance(timestamp, (int, float)):
        return "an unknown time"
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(timestamp))
