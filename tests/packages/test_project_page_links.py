"""The project page links only to web addresses from the uploaded metadata."""

from __future__ import annotations

import pytest

from tests.packages.conftest import upload, wheel

pytestmark = pytest.mark.django_db

HOSTILE = (
    "Home-page: javascript:alert(document.cookie)\n"
    "Project-URL: Docs, JaVaScRiPt:alert(1)\n"
    "Project-URL: Data, data:text/html,<script>alert(2)</script>\n"
    "Project-URL: Tracker, https://example.com/issues\n"
)


def test_project_page_drops_script_links_from_metadata(client, user):
    assert upload(client, wheel(extra_headers=HOSTILE), user.username).status_code == 200
    page = client.get("/project/demo-pkg/").content.decode()
    assert "javascript:" not in page.lower()
    assert "data:text/html" not in page
    assert 'href="https://example.com/issues"' in page
    assert 'href="https://example.com/src"' in page


def test_project_page_keeps_a_web_home_page(client, user):
    dist = wheel(extra_headers="Home-page: https://demo.example/\n")
    assert upload(client, dist, user.username).status_code == 200
    assert 'href="https://demo.example/"' in client.get("/project/demo-pkg/").content.decode()
