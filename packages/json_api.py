"""PyPI's JSON API shape (`/pypi/<project>/json`, `/pypi/<project>/<version>/json`)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from packaging.utils import canonicalize_version

from .models import File, Project, Release


def _iso(value) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def file_json(file: File, release: Release, request: HttpRequest) -> dict:
    return {
        "comment_text": "",
        "digests": {"blake2b_256": file.blake2_256, "md5": file.md5, "sha256": file.sha256},
        "downloads": -1,
        "filename": file.filename,
        "has_sig": False,
        "md5_digest": file.md5,
        "packagetype": file.packagetype,
        "python_version": file.python_version,
        "requires_python": file.requires_python or None,
        "size": file.size,
        "upload_time": file.upload_time.strftime("%Y-%m-%dT%H:%M:%S"),
        "upload_time_iso_8601": _iso(file.upload_time),
        "url": request.build_absolute_uri(file.url),
        "yanked": release.yanked,
        "yanked_reason": release.yanked_reason or None,
    }


def latest_release(releases: list[Release]) -> Release | None:
    """PyPI's choice: the highest final, unyanked version; else the highest of any."""
    if not releases:
        return None
    ordered = sorted(releases, key=lambda r: r.parsed_version, reverse=True)
    for release in ordered:
        if not release.yanked and not release.parsed_version.is_prerelease:
            return release
    for release in ordered:
        if not release.yanked:
            return release
    return ordered[0]


def info_json(project: Project, release: Release, request: HttpRequest) -> dict:
    base = request.build_absolute_uri(reverse("packages:project", args=[project.normalized_name]))
    return {
        "author": release.author,
        "author_email": release.author_email,
        "bugtrack_url": None,
        "classifiers": release.classifiers,
        "description": release.description,
        "description_content_type": release.description_content_type or None,
        "docs_url": None,
        "download_url": release.download_url,
        "downloads": {"last_day": -1, "last_month": -1, "last_week": -1},
        "home_page": release.home_page,
        "keywords": release.keywords,
        "license": release.license,
        "license_expression": release.license_expression or None,
        "maintainer": release.maintainer,
        "maintainer_email": release.maintainer_email,
        "name": project.name,
        # Not in PyPI's document: the organization that owns the project, if any.
        "organization": project.organization.name if project.organization_id else None,
        "package_url": base,
        "platform": release.platform or None,
        "project_url": base,
        "project_urls": release.project_urls or None,
        "provides_extra": release.provides_extra or None,
        "release_url": f"{base}{release.version}/",
        "requires_dist": release.requires_dist or None,
        "requires_python": release.requires_python,
        "summary": release.summary,
        "version": release.version,
        "yanked": release.yanked,
        "yanked_reason": release.yanked_reason or None,
    }


def _releases_with_files(project: Project) -> list[Release]:
    return list(project.releases.prefetch_related("files"))


def json_project(project: Project, request: HttpRequest) -> dict | None:
    """The project document: info of the latest release, every release's files."""
    releases = _releases_with_files(project)
    latest = latest_release(releases)
    if latest is None:
        return None
    ordered = sorted(releases, key=lambda r: r.parsed_version)
    return {
        "info": info_json(project, latest, request),
        "last_serial": project.last_serial,
        "releases": {r.version: [file_json(f, r, request) for f in r.files.all()] for r in ordered},
        "urls": [file_json(f, latest, request) for f in latest.files.all()],
        "vulnerabilities": [],
    }


def json_release(project: Project, version: str, request: HttpRequest) -> dict | None:
    """One release's document, or None when the version does not exist."""
    release = (
        project.releases.filter(canonical_version=canonicalize_version(version))
        .prefetch_related("files")
        .first()
    )
    if release is None:
        return None
    return {
        "info": info_json(project, release, request),
        "last_serial": project.last_serial,
        "urls": [file_json(f, release, request) for f in release.files.all()],
        "vulnerabilities": [],
    }
