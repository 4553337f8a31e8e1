"""READMEs are rendered once, at upload, and stored sanitized: a page view never renders them."""

from __future__ import annotations

import time

import pytest
import readme_renderer.markdown
from django.apps import apps

from packages.models import Release
from tests.factories import ReleaseFactory
from tests.packages.conftest import upload, wheel

pytestmark = pytest.mark.django_db

PARAGRAPH = "Some *markdown* with a [link](https://example.com) and `code`.\n\n"


def _readme(size: int) -> str:
    return "# Title\n\n" + PARAGRAPH * (size // len(PARAGRAPH) + 1)


def _fastest_view(client, path: str, runs: int = 7) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    return min(timings)


def test_the_readme_is_stored_sanitized_at_upload(client, user):
    hostile = "Hello <script>alert(1)</script> **world**"
    assert (
        upload(client, wheel("readme-safe", "1.0", description=hostile), user.username).status_code
        == 200
    )
    release = Release.objects.get()
    assert "<strong>world</strong>" in release.description_html
    assert "<script>" not in release.description_html
    assert "<strong>world</strong>" in client.get("/project/readme-safe/").content.decode()


def test_a_page_view_does_not_render_the_readme(client, user, monkeypatch):
    assert upload(client, wheel("readme-once", "1.0"), user.username).status_code == 200

    def refuse(*args, **kwargs):
        raise AssertionError("the README was rendered during a page view")

    monkeypatch.setattr(readme_renderer.markdown, "render", refuse)
    page = client.get("/project/readme-once/")
    assert page.status_code == 200
    assert "<em>world</em>" in page.content.decode()


def test_a_2_mb_readme_page_costs_no_more_than_twice_a_1_kb_one(client, user):
    # 2 MB: the most an uploaded METADATA may hold (upload.MAX_METADATA_SIZE is 2 MiB).
    small, large = _readme(1024), _readme(2_000_000)
    assert (
        upload(client, wheel("small-readme", "1.0", description=small), user.username).status_code
        == 200
    )
    assert (
        upload(client, wheel("large-readme", "1.0", description=large), user.username).status_code
        == 200
    )
    assert len(Release.objects.get(project__name="large-readme").description_html) > 3_000_000
    _fastest_view(client, "/project/small-readme/", runs=2)  # templates loaded, caches warm
    small_time = _fastest_view(client, "/project/small-readme/")
    large_time = _fastest_view(client, "/project/large-readme/")
    print(f"page with a 1 KB README {small_time * 1000:.1f} ms, 2 MB {large_time * 1000:.1f} ms")
    assert large_time <= 2 * small_time, (small_time, large_time)


def test_the_migration_renders_existing_releases():
    from importlib import import_module

    migration = import_module("packages.migrations.0004_render_stored_readmes")
    release = ReleaseFactory(description="Old *readme*", description_content_type="text/markdown")
    Release.objects.filter(pk=release.pk).update(description_html="")
    migration.render_existing(apps, None)
    release.refresh_from_db()
    assert "<em>readme</em>" in release.description_html
