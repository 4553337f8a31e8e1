"""The simple repository API: PEP 503 HTML and PEP 691 JSON, with PEP 592/658/714/700.

Pages are rendered once per format and kept in the cache (with their ETag) until an
upload, yank or delete invalidates them; a project page costs a constant number of
queries however many releases and files it has. packages.pages writes the same bytes to
storage, where nginx, a CDN or the WSGI fast path serve them without Django.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from html import escape

from django.core.cache import cache

from .models import File, Project, Release

API_VERSION = "1.1"  # PEP 700 fields present

JSON_V1 = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"
TEXT_HTML = "text/html"

# What a client may ask for -> what we answer with. Order is our preference on ties.
_OFFERS: dict[str, str] = {
    JSON_V1: JSON_V1,
    "application/vnd.pypi.simple.latest+json": JSON_V1,
    HTML_V1: HTML_V1,
    "application/vnd.pypi.simple.latest+html": HTML_V1,
    TEXT_HTML: TEXT_HTML,
}


class NotAcceptable(Exception):
    """No representation fits the Accept header."""


def choose_content_type(accept: str) -> str:
    """The content type to answer with for an Accept header (PEP 691, q-values honoured)."""
    if not accept.strip():
        return TEXT_HTML
    candidates: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        media = media.lower()
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        if media in _OFFERS:
            candidates.append((q, -position, _OFFERS[media]))
        elif media in ("*/*", "text/*"):
            candidates.append((q, -position, TEXT_HTML))
        elif media == "application/*":
            candidates.append((q, -position, JSON_V1))
    if not candidates:
        raise NotAcceptable
    return max(candidates)[2]


@dataclass(frozen=True)
class Page:
    body: bytes
    content_type: str
    etag: str


def _cache_key(kind: str, content_type: str) -> str:
    # Hashed: a project name in a URL can be any length (memcached refuses keys over 250).
    return f"simple:{hashlib.sha256(kind.encode()).hexdigest()}:{content_type}"


def etag_of(data: bytes) -> str:
    """The ETag of a page's bytes (the same wherever the page is served from)."""
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def _page(body: str, content_type: str) -> Page:
    data = body.encode("utf-8")
    return Page(data, content_type, etag_of(data))


def invalidate(normalized_name: str, *, index: bool = False) -> None:
    """Drop a project's cached pages (and the index's, when the project list changed)."""
    keys = [_cache_key(f"project:{normalized_name}", ct) for ct in (JSON_V1, HTML_V1, TEXT_HTML)]
    if index:
        keys += [_cache_key("index", ct) for ct in (JSON_V1, HTML_V1, TEXT_HTML)]
    cache.delete_many(keys)


def invalidate_index() -> None:
    """Drop the cached /simple/ root pages."""
    cache.delete_many([_cache_key("index", ct) for ct in (JSON_V1, HTML_V1, TEXT_HTML)])


# --- the index ----------------------------------------------------------------------------


def index_page(content_type: str) -> Page:
    key = _cache_key("index", content_type)
    page = cache.get(key)
    if page is None:
        page = render_index(content_type)
        cache.set(key, page, None)
    return page


def render_index(content_type: str) -> Page:
    """The /simple/ root in content_type: every listed (not quarantined) project."""
    projects = list(
        Project.objects.listed().order_by("normalized_name").values_list("name", "normalized_name")
    )
    if content_type == JSON_V1:
        body = json.dumps(
            {
                "meta": {"api-version": API_VERSION},
                "projects": [{"name": name} for name, _ in projects],
            }
        )
        return _page(body, content_type)
    links = "\n".join(
        f'    <a href="/simple/{normalized}/">{escape(name)}</a><br>'
        for name, normalized in projects
    )
    body = (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">\n'
        "    <title>Simple index</title>\n  </head>\n  <body>\n"
        f"{links}\n  </body>\n</html>\n"
    )
    return _page(body, content_type)


# --- a project ----------------------------------------------------------------------------


def project_page(normalized_name: str, content_type: str) -> Page | None:
    """The project's page in content_type, or None when there is no such project."""
    key = _cache_key(f"project:{normalized_name}", content_type)
    page = cache.get(key)
    if page is None:
        project = Project.objects.listed().filter(normalized_name=normalized_name).first()
        if project is None:
            return None
        page = render_project(project, content_type)
        cache.set(key, page, None)
    return page


def _project_data(project: Project) -> tuple[list[str], list[File]]:
    releases = sorted(
        Release.objects.filter(project=project).only("version"), key=lambda r: r.parsed_version
    )
    files = list(
        File.objects.filter(release__project=project)
        .select_related("release")
        .only(
            "filename", "path", "sha256", "size", "upload_time", "requires_python",
            "metadata_sha256", "release__yanked", "release__yanked_reason", "release__version",
        )
        .order_by("filename")
    )  # fmt: skip
    return [r.version for r in releases], files


def render_project(project: Project, content_type: str) -> Page:
    """The project's page in content_type."""
    return render_project_pages(project, [content_type])[content_type]


def render_project_pages(project: Project, content_types: list[str]) -> dict[str, Page]:
    """The project's page in each of content_types, from one read of its files."""
    data = _project_data(project)
    return {ct: _render_project(project, ct, *data) for ct in content_types}


def _render_project(
    project: Project, content_type: str, versions: list[str], files: list[File]
) -> Page:
    if content_type == JSON_V1:
        body = json.dumps(
            {
                "meta": {"api-version": API_VERSION},
                "name": project.normalized_name,
                "versions": versions,
                "files": [_file_json(f) for f in files],
            }
        )
        return _page(body, content_type)
    links = "\n".join(_file_link(f) for f in files)
    name = escape(project.normalized_name)
    body = (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">\n'
        f"    <title>Links for {name}</title>\n  </head>\n  <body>\n"
        f"    <h1>Links for {name}</h1>\n{links}\n  </body>\n</html>\n"
    )
    return _page(body, content_type)


def _file_json(file: File) -> dict:
    release = file.release
    metadata: dict | bool = {"sha256": file.metadata_sha256} if file.metadata_sha256 else False
    return {
        "filename": file.filename,
        "url": file.url,
        "hashes": {"sha256": file.sha256},
        "requires-python": file.requires_python or None,
        "core-metadata": metadata,
        "dist-info-metadata": metadata,
        "yanked": (release.yanked_reason or True) if release.yanked else False,
        "size": file.size,
        "upload-time": file.upload_time.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }


def _file_link(file: File) -> str:
    attributes = [f'href="{escape(file.url)}#sha256={file.sha256}"']
    if file.requires_python:
        attributes.append(f'data-requires-python="{escape(file.requires_python)}"')
    if file.metadata_sha256:
        attributes.append(f'data-dist-info-metadata="sha256={file.metadata_sha256}"')
        attributes.append(f'data-core-metadata="sha256={file.metadata_sha256}"')
    if file.release.yanked:
        attributes.append(f'data-yanked="{escape(file.release.yanked_reason)}"')
    return f"    <a {' '.join(attributes)}>{escape(file.filename)}</a><br>"
