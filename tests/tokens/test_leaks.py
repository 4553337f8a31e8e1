from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from accounts.models import AccountEvent
from tests.factories import TokenFactory
from tokens.models import Token

pytestmark = pytest.mark.django_db

URLS = ["/_/secrets/disclose-token", "/_/github/disclose-token"]


def report(*tokens: str) -> bytes:
    return json.dumps(
        [
            {
                "token": raw,
                "type": "wharf_api_token",
                "url": "https://github.com/someone/repo/blob/main/.pypirc",
                "source": "content",
            }
            for raw in tokens
        ]
    ).encode()


@pytest.mark.parametrize("url", URLS)
def test_valid_report_revokes_emails_and_answers_in_github_format(
    client, github_keys, mailoutbox, url
) -> None:
    leaked = TokenFactory(name="ci")
    other = TokenFactory(user=leaked.user)
    body = report(leaked.raw, "wharf-0000000000000000_" + "A" * 43)

    response = client.post(url, body, content_type="application/json", **github_keys.headers(body))

    assert response.status_code == 200
    assert response.json() == [
        {"token_raw": leaked.raw, "token_type": "wharf_api_token", "label": "true_positive"},
        {
            "token_raw": "wharf-0000000000000000_" + "A" * 43,
            "token_type": "wharf_api_token",
            "label": "false_positive",
        },
    ]
    leaked.refresh_from_db()
    other.refresh_from_db()
    assert leaked.is_revoked and "found in public" in leaked.revoked_reason
    assert not other.is_revoked
    event = AccountEvent.objects.get(user=leaked.user, tag="account:token:leaked")
    assert event.details["url"] == "https://github.com/someone/repo/blob/main/.pypirc"
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [leaked.user.email]
    assert "found in public and revoked" in mailoutbox[0].subject
    assert (
        "create a" in mailoutbox[0].body and "https://github.com/someone/repo" in mailoutbox[0].body
    )


def test_keys_are_fetched_once_and_cached(client, github_keys) -> None:
    for _ in range(3):
        body = report(TokenFactory().raw)
        client.post(URLS[0], body, content_type="application/json", **github_keys.headers(body))
    assert len(github_keys.requests) == 1


@pytest.mark.parametrize(
    "tamper",
    ["forged_key", "changed_body", "unknown_key_id", "not_base64", "missing_headers"],
)
def test_bad_signature_changes_nothing(client, github_keys, mailoutbox, tamper) -> None:
    token = TokenFactory()
    body = report(token.raw)
    headers = github_keys.headers(body)
    if tamper == "forged_key":
        forger = ec.generate_private_key(ec.SECP256R1())
        headers["HTTP_GITHUB_PUBLIC_KEY_SIGNATURE"] = github_keys.sign(body, forger)
    elif tamper == "changed_body":
        body = report(token.raw, TokenFactory().raw)
    elif tamper == "unknown_key_id":
        headers["HTTP_GITHUB_PUBLIC_KEY_IDENTIFIER"] = "f" * 64
    elif tamper == "not_base64":
        headers["HTTP_GITHUB_PUBLIC_KEY_SIGNATURE"] = "%%%not base64"
    else:
        headers = {}

    response = client.post(URLS[0], body, content_type="application/json", **headers)

    assert response.status_code == 401
    assert "signature" in response.json()["detail"] or "header" in response.json()["detail"]
    assert not Token.objects.filter(revoked_at__isnull=False).exists()
    assert not AccountEvent.objects.filter(tag="account:token:leaked").exists()
    assert mailoutbox == []


def test_signed_garbage_is_a_400(client, github_keys) -> None:
    for body in [b"not json", b'{"token": "x"}', b"[1, 2]"]:
        response = client.post(
            URLS[0], body, content_type="application/json", **github_keys.headers(body)
        )
        assert response.status_code == 400
        assert "list of {token, type, url, source}" in response.json()["detail"]


def test_unreachable_key_server_is_a_503(client, settings) -> None:
    settings.GITHUB_SECRET_SCANNING_KEYS_URL = "http://127.0.0.1:9/nothing"
    body = report("x")
    response = client.post(
        URLS[0],
        body,
        content_type="application/json",
        HTTP_GITHUB_PUBLIC_KEY_IDENTIFIER="a",
        HTTP_GITHUB_PUBLIC_KEY_SIGNATURE="YQ==",
    )
    assert response.status_code == 503
    assert "retry later" in response.json()["detail"]


def test_only_post(client) -> None:
    assert client.get(URLS[0]).status_code == 405


def test_reports_need_no_csrf_token_or_sign_in(github_keys) -> None:
    from django.test import Client

    token = TokenFactory()
    body = report(token.raw)
    response = Client(enforce_csrf_checks=True).post(
        URLS[1], body, content_type="application/json", **github_keys.headers(body)
    )
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.is_revoked
