"""The token format: `<TOKEN_PREFIX>-<public id>_<secret>`, and how its secret is stored.

The public id (16 hex characters) finds the row in O(1); the secret part carries 256
bits from `secrets.token_urlsafe(32)`. Only a SHA-256 of the whole token is stored:
for a high-entropy secret a fast hash is enough (no dictionary to try), and
`hmac.compare_digest` keeps the comparison constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from django.conf import settings

PUBLIC_ID_LENGTH = 16
_BODY = re.compile(r"^(?P<public_id>[0-9a-f]{16})_(?P<secret>[A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class ParsedToken:
    public_id: str
    raw: str


def prefix() -> str:
    return f"{settings.TOKEN_PREFIX}-"


def looks_like_token(value: str) -> bool:
    """True when value starts like one of our tokens (so it was probably meant as one)."""
    return value.startswith(prefix())


ACCESS_MARKER = "access-"


def parse_access(raw: str) -> ParsedToken | None:
    """The public id of an API access token (`<prefix>-access-<id>_<secret>`), else None."""
    raw = raw.strip()
    if not raw.startswith(prefix() + ACCESS_MARKER):
        return None
    match = _BODY.match(raw[len(prefix() + ACCESS_MARKER) :])
    if match is None:
        return None
    return ParsedToken(public_id=match["public_id"], raw=raw)


def generate_access() -> tuple[str, str]:
    """A new (public_id, raw API access token) pair."""
    public_id = secrets.token_hex(PUBLIC_ID_LENGTH // 2)
    return public_id, f"{prefix()}{ACCESS_MARKER}{public_id}_{secrets.token_urlsafe(32)}"


def generate() -> tuple[str, str]:
    """A new (public_id, raw token) pair."""
    public_id = secrets.token_hex(PUBLIC_ID_LENGTH // 2)
    return public_id, f"{prefix()}{public_id}_{secrets.token_urlsafe(32)}"


def parse(raw: str) -> ParsedToken | None:
    """The token's public id, or None when raw is not in our format."""
    raw = raw.strip()
    if not looks_like_token(raw):
        return None
    match = _BODY.match(raw[len(prefix()) :])
    if match is None:
        return None
    return ParsedToken(public_id=match["public_id"], raw=raw)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def matches(raw: str, secret_hash: str) -> bool:
    """Constant-time check of raw against the stored hash."""
    return hmac.compare_digest(hash_token(raw), secret_hash)
