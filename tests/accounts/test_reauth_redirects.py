"""Where re-authentication sends the user afterwards: only to a page of this site."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

REAUTH = "/manage/account/reauthenticate/"


@pytest.mark.parametrize(
    "next_url",
    [
        "http://testserver//evil.example/phish",
        "http://testserver///evil.example/",
        "http://testserver/\\evil.example/",
        "//evil.example/",
        "https://evil.example/",
        "javascript:alert(1)",
    ],
)
def test_reauthentication_next_never_leaves_the_site(user_client, next_url):
    response = user_client.post(f"{REAUTH}?next={quote(next_url)}", {"password": PASSWORD})
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert "evil.example" not in location.split("?")[0].lstrip("/").split("/")[0]


def test_reauthentication_keeps_a_full_url_of_this_site_as_its_path(user_client):
    response = user_client.post(
        f"{REAUTH}?next={quote('http://testserver/manage/account/tokens/?x=1')}",
        {"password": PASSWORD},
    )
    assert response["Location"] == "/manage/account/tokens/?x=1"


def test_form_post_returns_to_the_referring_page_only_on_this_site(user_client):
    refused = user_client.post(
        "/manage/account/two-factor/recovery-codes/regenerate/",
        HTTP_REFERER="http://testserver//evil.example/",
    )
    assert refused["Location"] == f"{REAUTH}?next=%2Fmanage%2Faccount%2F"
