"""Every page carries a Content-Security-Policy that runs no inline or foreign script."""

from __future__ import annotations

import re

import pytest

from tests.conftest import mark_reauthenticated
from tests.factories import ProjectFactory, ReleaseFactory

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)


def test_pages_carry_a_policy_that_refuses_inline_and_foreign_scripts(client, db):
    ReleaseFactory(project=ProjectFactory(name="demo-pkg"), version="1.0")
    for path in ["/", "/accounts/login/", "/project/demo-pkg/", "/recovery/", "/simple/"]:
        response = client.get(path)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy.split("style")[0]
        assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy


def test_signed_in_pages_have_no_inline_script_the_policy_would_block(user_client):
    mark_reauthenticated(user_client)
    for path in [
        "/manage/account/",
        "/accounts/email/",
        "/manage/account/two-factor/",
        "/manage/account/two-factor/totp/",
        "/manage/account/two-factor/webauthn/",
        "/manage/account/tokens/",
        "/manage/account/reauthenticate/",
    ]:
        html = user_client.get(path).content.decode()
        assert not INLINE_SCRIPT.search(html), path


def test_api_docs_load_their_start_up_script_from_a_url(client):
    html = client.get("/api/v1/docs/").content.decode()
    assert not INLINE_SCRIPT.search(html)
    [script] = re.findall(r'<script src="([^"]*\?script[^"]*)"', html)
    answer = client.get(script.replace("&amp;", "&"))
    assert answer.status_code == 200 and "SwaggerUIBundle" in answer.content.decode()
