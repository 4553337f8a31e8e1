"""Public package views: upload, simple API, files, JSON API and project pages."""

from __future__ import annotations

import mimetypes

from django.core.exceptions import SuspiciousFileOperation
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from packaging.utils import canonicalize_version

from core.errors import Unauthenticated, WharfError, plain_error_response
from core.permissions import Action, can
from core.principals import basic_upload_endpoint, current

from . import simple
from .json_api import json_project, json_release, latest_release
from .models import Project, Release
from .names import normalize
from .storage import download_url, files_storage
from .upload import file_upload, read_upload


@csrf_exempt
@basic_upload_endpoint
def legacy_upload(request: HttpRequest) -> HttpResponse:
    """twine's upload endpoint: one distribution file per POST."""
    if request.method != "POST":
        response = plain_error_response(
            WharfError("this is the upload endpoint: POST files to it with twine.", status_code=405)
        )
        response["Allow"] = "POST"
        return response
    try:
        principal = current(request)
        upload = read_upload(request)
        file_upload(principal=principal, upload=upload, request=request)
    except WharfError as error:
        response = plain_error_response(error)
        if isinstance(error, Unauthenticated):
            response["WWW-Authenticate"] = 'Basic realm="Wharf upload"'
        return response
    return HttpResponse("OK\n", content_type="text/plain; charset=utf-8")


def _simple_response(request: HttpRequest, page: simple.Page) -> HttpResponse:
    wanted = [
        t.strip().removeprefix("W/") for t in request.headers.get("If-None-Match", "").split(",")
    ]
    if page.etag in wanted or "*" in wanted:
        response: HttpResponse = HttpResponseNotModified()
    else:
        content_type = page.content_type
        if content_type != simple.JSON_V1:
            content_type += "; charset=utf-8"
        response = HttpResponse(page.body, content_type=content_type)
    response["ETag"] = page.etag
    # Installers revalidate cheaply with the ETag; proxies may keep a page for a minute.
    response["Cache-Control"] = "max-age=60, public"
    patch_vary_headers(response, ["Accept"])
    return response


def _negotiate(request: HttpRequest) -> str | HttpResponse:
    try:
        return simple.choose_content_type(request.headers.get("Accept", ""))
    except simple.NotAcceptable:
        return HttpResponse(
            "None of the formats in your Accept header is available: ask for "
            f"{simple.JSON_V1}, {simple.HTML_V1} or text/html.\n",
            status=406,
            content_type="text/plain; charset=utf-8",
        )


@require_safe
def simple_index(request: HttpRequest) -> HttpResponse:
    content_type = _negotiate(request)
    if isinstance(content_type, HttpResponse):
        return content_type
    return _simple_response(request, simple.index_page(content_type))


@require_safe
def simple_project(request: HttpRequest, name: str) -> HttpResponse:
    normalized = normalize(name)
    if normalized != name:
        return HttpResponseRedirect(
            reverse("packages:simple-project", args=[normalized]), status=301
        )
    content_type = _negotiate(request)
    if isinstance(content_type, HttpResponse):
        return content_type
    page = simple.project_page(normalized, content_type)
    if page is None:
        return HttpResponse(
            f"There is no project named {name!r} on this index.\n",
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    return _simple_response(request, page)


_CONTENT_TYPES = {".whl": "application/zip", ".gz": "application/gzip", ".metadata": "text/plain"}


@require_safe
def serve_file(request: HttpRequest, path: str) -> HttpResponse:
    """A distribution (or its PEP 658 metadata) by storage key; keys never change content."""
    elsewhere = download_url(path)
    if elsewhere is not None:
        # S3: the client fetches the object itself (presigned URL or the CDN), so a download
        # never holds a worker or its memory.
        return HttpResponseRedirect(elsewhere)
    storage = files_storage()
    sha256 = path.split("/")[2] if path.count("/") >= 3 else ""
    etag = f'"{sha256}{"-metadata" if path.endswith(".metadata") else ""}"'
    if request.headers.get("If-None-Match") == etag:
        response: HttpResponse = HttpResponseNotModified()
    else:
        try:
            handle = storage.open(path, "rb")
        except (FileNotFoundError, SuspiciousFileOperation, OSError) as error:
            raise Http404("no such file") from error
        extension = "." + path.rsplit(".", 1)[-1]
        content_type = _CONTENT_TYPES.get(extension) or (
            mimetypes.guess_type(path)[0] or "application/octet-stream"
        )
        if extension == ".metadata":
            content_type += "; charset=utf-8"
        response = FileResponse(handle, content_type=content_type)
        if extension != ".metadata":
            response["Content-Disposition"] = f'attachment; filename="{path.rsplit("/", 1)[-1]}"'
    response["ETag"] = etag
    response["Cache-Control"] = "max-age=31536000, public, immutable"
    return response


@require_safe
def json_project_view(request: HttpRequest, name: str) -> HttpResponse:
    normalized = normalize(name)
    if normalized != name:
        return HttpResponseRedirect(reverse("packages:json-project", args=[normalized]), status=301)
    project = get_object_or_404(
        Project.objects.listed().select_related("organization"), normalized_name=normalized
    )
    data = json_project(project, request)
    if data is None:
        raise Http404("this project has no releases")
    return JsonResponse(data, json_dumps_params={"sort_keys": True})


@require_safe
def json_release_view(request: HttpRequest, name: str, version: str) -> HttpResponse:
    normalized = normalize(name)
    if normalized != name:
        return HttpResponseRedirect(
            reverse("packages:json-release", args=[normalized, version]), status=301
        )
    project = get_object_or_404(
        Project.objects.listed().select_related("organization"), normalized_name=normalized
    )
    data = json_release(project, version, request)
    if data is None:
        raise Http404("no such release")
    return JsonResponse(data, json_dumps_params={"sort_keys": True})


README_MARKER = mark_safe("<!--wharf:readme:a1f3e9-->")  # noqa: S308 - a fixed comment


@require_safe
def project_detail(request: HttpRequest, name: str, version: str | None = None) -> HttpResponse:
    normalized = normalize(name)
    if normalized != name:
        args = [normalized] if version is None else [normalized, version]
        view = "packages:project" if version is None else "packages:project-release"
        return HttpResponseRedirect(reverse(view, args=args), status=301)
    project = get_object_or_404(
        Project.objects.listed().select_related("organization"), normalized_name=normalized
    )
    # The descriptions (raw and rendered, up to a few MB each) are not needed for the list.
    releases = sorted(
        project.releases.defer("description", "description_html").prefetch_related("files"),
        key=lambda r: r.parsed_version,
        reverse=True,
    )
    latest = latest_release(releases)
    if version is None:
        release = latest
    else:
        wanted = canonicalize_version(version)
        release = next((r for r in releases if r.canonical_version == wanted), None)
        if release is None:
            raise Http404("no such release")
    roles = project.roles.select_related("user").order_by("role", "user__username")
    readme = (
        Release.objects.filter(pk=release.pk).values_list("description_html", flat=True).get()
        if release
        else ""
    )
    response = render(
        request,
        "packages/project.html",
        {
            "project": project,
            "release": release,
            "latest": latest,
            "version_pinned": version is not None,
            "releases": releases,
            "files": list(release.files.all()) if release else [],
            "roles": roles,
            # A marker, replaced by the stored README (sanitized and fitted to the page at
            # upload) after rendering: a multi-MB README is copied once, not through every
            # level of the template nor its filters.
            "description": README_MARKER if readme else "",
            "project_urls": sorted((release.project_urls or {}).items()) if release else [],
            "can_manage": can(request.principal, Action.VIEW_MANAGE, project),
        },
    )
    if readme:
        before, _, after = response.content.partition(README_MARKER.encode())
        response.content = b"".join((before, readme.encode(), after))
    return response
