"""Staff see projects, files and history in admin, read-only."""

from __future__ import annotations

import pytest

from tests.factories import FileFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_admin_pages_render_read_only(staff_client):
    file = FileFactory(release__project=ProjectFactory(name="adm"))
    for url in (
        "/admin/packages/project/",
        f"/admin/packages/project/{file.release.project.pk}/change/",
        "/admin/packages/release/",
        "/admin/packages/file/",
        "/admin/packages/projectevent/",
        "/admin/packages/roleinvitation/",
        "/admin/packages/filenameuse/",
    ):
        response = staff_client.get(url)
        assert response.status_code == 200, url
    assert staff_client.get("/admin/packages/project/add/").status_code == 403
