"""Finding projects: the home page, /search/ (full-text on PostgreSQL, substrings on SQLite)
and /projects/; the navigation leads there, not to the installers' /simple/ page."""

from __future__ import annotations

import pytest
from packaging.utils import canonicalize_version

from packages.readme import render_html
from packages.search import PER_PAGE
from tests.factories import ProjectFactory, ReleaseFactory

pytestmark = pytest.mark.django_db


def project(name: str, summary: str = "", version: str = "1.0"):
    p = ProjectFactory(name=name)
    ReleaseFactory(
        project=p, version=version, canonical_version=canonicalize_version(version), summary=summary
    )
    return p


def test_home_page_has_search_and_recent_projects(client):
    project("harbour-lights", "Lights that guide boats home")
    page = client.get("/").content.decode()
    assert 'action="/search/"' in page and 'name="q"' in page
    assert 'href="/project/harbour-lights/"' in page and "Lights that guide boats home" in page
    assert 'href="/projects/"' in page
    assert 'href="/simple/"' not in page.split("<footer")[0]  # installers' page: footer only


def test_search_finds_names_and_summaries_best_first(client):
    project("harbour-lights", "Lights that guide boats home")
    project("tide-tables", "Tide tables for every harbour")
    project("unrelated", "Nothing to see")

    by_name = client.get("/search/", {"q": "harbour-lights"}).content.decode()
    by_words = client.get("/search/", {"q": "harbour"}).content.decode()

    assert "harbour-lights" in by_name and "unrelated" not in by_name
    assert by_name.index("/project/harbour-lights/") < by_name.find("/project/tide-tables/") or (
        "/project/tide-tables/" not in by_name
    )
    assert "/project/harbour-lights/" in by_words and "/project/tide-tables/" in by_words
    assert "/project/unrelated/" not in by_words
    assert "2 projects for “harbour”" in by_words


def test_search_without_results_says_what_to_do(client):
    page = client.get("/search/", {"q": "no-such-thing"}).content.decode()
    assert "No projects match “no-such-thing”" in page
    assert "try fewer or other words" in page and 'href="/projects/"' in page


@pytest.mark.parametrize("q", ["", " ", "\x00", "a" * 5000, "' OR 1=1 --", "&|!(", "<script>"])
def test_search_takes_any_input_without_error(client, q):
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    assert b"<script>" not in response.content.split(b"<main")[1]


def test_search_and_browse_are_paginated(client):
    for n in range(PER_PAGE + 3):
        project(f"boat-{n:02d}", "a boat")
    first = client.get("/search/", {"q": "boat"}).content.decode()
    second = client.get("/search/", {"q": "boat", "page": 2}).content.decode()
    assert "Page 1 of 2" in first and 'rel="next"' in first and "q=boat" in first
    assert second.count('class="name"') == 3
    browse = client.get("/projects/", {"page": 2}).content.decode()
    assert browse.count('class="name"') == 3
    assert client.get("/projects/", {"page": "junk"}).status_code == 200
    recent = client.get("/projects/", {"sort": "recent"}).content.decode()
    assert "<strong>recently updated</strong>" in recent


def test_project_page_is_laid_out_like_pypi(client):
    p = project("harbour-lights", "Lights")
    release = p.releases.get()
    release.description = "# Harbour lights\n\n## Install\n\n![](x.png)"
    release.description_content_type = "text/markdown"
    # Rendered once at upload (packages.readme); the factory skips the upload.
    release.description_html = render_html(release.description, release.description_content_type)
    release.save()
    project_url = "/project/harbour-lights/"

    page = client.get(project_url).content.decode()

    assert "pip install --index-url" in page and "uv pip install --index-url" in page
    assert 'id="description"' in page and 'id="history"' in page and 'id="files"' in page
    readme = page.split('id="description-title"')[1].split('id="history"')[0]
    assert "Harbour lights</h3>" in readme and "Install</h4>" in readme
    assert "<h1" not in readme and "<h2" not in readme
    assert 'alt=""' in readme


def test_older_release_page_points_to_the_newest(client):
    p = project("harbour-lights", "Lights", "1.0")
    ReleaseFactory(project=p, version="2.0", canonical_version="2")
    old = client.get("/project/harbour-lights/1.0/").content.decode()
    assert "This is an older release" in old and "==1.0" in old
    assert "older release" not in client.get("/project/harbour-lights/").content.decode()


def test_favicon_robots_and_styled_not_found(client):
    assert client.get("/favicon.ico")["Location"].endswith("favicon.svg")
    robots = client.get("/robots.txt")
    assert (
        robots["Content-Type"].startswith("text/plain") and b"Disallow: /manage/" in robots.content
    )
    missing = client.get("/no/such/page/")
    assert missing.status_code == 404 and b"Page not found" in missing.content
    assert b'action="/search/"' in missing.content
