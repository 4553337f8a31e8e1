"""GitHub secret scanning: leaked-token reports, verified against GitHub's published keys.

GitHub POSTs a JSON list of `{token, type, url, source}` with the headers
`Github-Public-Key-Identifier` and `Github-Public-Key-Signature` (base64 DER ECDSA
P-256/SHA-256 over the raw body). We check the signature with the key GitHub publishes
at GITHUB_SECRET_SCANNING_KEYS_URL, revoke each matching token, tell its owner, and
answer with `[{token_raw, token_type, label}]`.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core import outside

from . import secrets as token_secrets
from .models import Token
from .services import token_revoke_leaked

logger = logging.getLogger(__name__)

KEYS_CACHE_KEY = "github-secret-scanning-keys"
KEYS_CACHE_SECONDS = 60 * 60
KEYS_REFETCHED_CACHE_KEY = "github-secret-scanning-keys-refetched"
KEYS_REFETCH_SECONDS = 60
MAX_REPORT_ITEMS = 1000


class KeysUnavailable(Exception):
    """GitHub's key list could not be fetched (GitHub retries on a 5xx)."""


def fetch_public_keys() -> dict[str, str]:
    """GitHub's secret-scanning public keys, {key_identifier: PEM}, from the configured URL."""
    try:
        fetched = outside.fetch(
            settings.GITHUB_SECRET_SCANNING_KEYS_URL,
            headers={"Accept": "application/json"},
            allow_private=settings.OUTSIDE_ALLOW_PRIVATE_HOSTS,
        )
        if fetched.status != 200:
            raise KeysUnavailable(f"GitHub answered HTTP {fetched.status}")
        keys = fetched.json()["public_keys"]  # type: ignore[index]
        return {str(k["key_identifier"]): str(k["key"]) for k in keys}
    except (outside.FetchError, KeyError, TypeError) as error:
        raise KeysUnavailable(str(error)) from error


def public_key(identifier: str) -> str | None:
    """The PEM for identifier; refetches when a new key appears (GitHub rotates them).

    Anyone can send an unknown identifier: refetch at most once a minute, so forged reports
    cannot make every request call GitHub (and use up its rate limit for the real ones).
    """
    keys = cache.get(KEYS_CACHE_KEY)
    if keys is None or (
        identifier not in keys and cache.add(KEYS_REFETCHED_CACHE_KEY, True, KEYS_REFETCH_SECONDS)
    ):
        keys = fetch_public_keys()
        cache.set(KEYS_CACHE_KEY, keys, KEYS_CACHE_SECONDS)
        cache.add(KEYS_REFETCHED_CACHE_KEY, True, KEYS_REFETCH_SECONDS)
    return keys.get(identifier)


def signature_is_valid(*, body: bytes, identifier: str, signature: str) -> bool:
    """True when signature (base64 DER) is GitHub's key `identifier` signing body."""
    pem = public_key(identifier)
    if pem is None:
        return False
    try:
        key = serialization.load_pem_public_key(pem.encode())
        if not isinstance(key, ec.EllipticCurvePublicKey):
            return False
        key.verify(base64.b64decode(signature, validate=True), body, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError, binascii.Error, TypeError):
        return False
    return True


def _find_token(raw: str) -> Token | None:
    parsed = token_secrets.parse(raw)
    if parsed is None:
        return None
    token = Token.objects.filter(public_id=parsed.public_id).first()
    if token is None or not token_secrets.matches(parsed.raw, token.secret_hash):
        return None
    return token


def _error(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


@csrf_exempt
@require_POST
def disclose_token(request: HttpRequest) -> HttpResponse:
    identifier = request.headers.get("Github-Public-Key-Identifier", "")
    signature = request.headers.get("Github-Public-Key-Signature", "")
    if not identifier or not signature:
        return _error(
            401,
            "missing Github-Public-Key-Identifier or Github-Public-Key-Signature header: "
            "reports must be signed as GitHub secret scanning does.",
        )
    body = request.body
    try:
        valid = signature_is_valid(body=body, identifier=identifier, signature=signature)
    except KeysUnavailable as error:
        logger.warning("secret scanning keys unavailable: %s", error)
        return _error(503, "the signing keys could not be fetched; retry later.")
    if not valid:
        return _error(401, "the signature does not match the report: nothing was revoked.")
    try:
        report = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "the report is not JSON: send a list of {token, type, url, source}.")
    if (
        not isinstance(report, list)
        or len(report) > MAX_REPORT_ITEMS
        or not all(isinstance(item, dict) and isinstance(item.get("token"), str) for item in report)
    ):
        return _error(400, "send a JSON list of {token, type, url, source} objects.")

    answer = []
    for item in report:
        token = _find_token(item["token"])
        if token is not None:
            token_revoke_leaked(
                token=token, url=str(item.get("url") or ""), source=str(item.get("source") or "")
            )
        answer.append(
            {
                "token_raw": item["token"],
                "token_type": str(item.get("type") or ""),
                "label": "true_positive" if token is not None else "false_positive",
            }
        )
    return JsonResponse(answer, safe=False)
