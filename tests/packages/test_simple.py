"""The simple API (PEP 503/691/592/658/714/700), files, the JSON API and project pages."""

from __future__ import annotations

import hashlib
import json

import pytest

from packages import simple
from packages.models import File
from tests.factories import FileFactory, ProjectFactory, ReleaseFactory
from tests.packages.conftest import upload, wheel

pytestmark = pytest.mark.django_db

JSON = "application/vnd.pypi.simple.v1+json"
HTML = "application/vnd.pypi.simple.v1+html"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("", "text/html"),
        ("*/*", "text/html"),
        ("text/html", "text/html"),
        (JSON, JSON),
        (HTML, HTML),
        ("application/vnd.pypi.simple.latest+json", JSON),
        ("application/vnd.pypi.simple.latest+html", HTML),
        (f"{JSON};q=0.5, {HTML};q=0.9", HTML),
        (f"{HTML};q=0.2, {JSON}", JSON),
        (f"text/html;q=0.01, {JSON};q=0.02", JSON),
        (f"{JSON}, {HTML};q=0.9, text/html;q=0.8", JSON),  # uv and pip send this shape
        (f"application/json, {JSON};q=0", None),
        ("application/json", None),
        (f"{JSON};q=0", None),
    ],
)
def test_content_negotiation(client, accept, expected):
    ProjectFactory(name="neg")
    for url in ("/simple/", "/simple/neg/"):
        response = client.get(url, HTTP_ACCEPT=accept)
        if expected is None:
            assert response.status_code == 406
            assert JSON in response.content.decode()  # says what it can offer
        else:
            assert response.status_code == 200
            assert response["Content-Type"].split(";")[0] == expected
            assert "Accept" in response["Vary"]


def test_index_lists_projects_in_both_formats(client):
    ProjectFactory(name="Alpha.Beta")
    ProjectFactory(name="zeta")
    html = client.get("/simple/").content.decode()
    assert '<a href="/simple/alpha-beta/">Alpha.Beta</a>' in html
    assert 'name="pypi:repository-version" content="1.1"' in html
    data = client.get("/simple/", HTTP_ACCEPT=JSON).json()
    assert data == {
        "meta": {"api-version": "1.1"},
        "projects": [{"name": "Alpha.Beta"}, {"name": "zeta"}],
    }


def test_non_normalized_name_redirects(client):
    ProjectFactory(name="Foo.Bar")
    response = client.get("/simple/Foo.Bar/")
    assert response.status_code == 301 and response["Location"] == "/simple/foo-bar/"


def test_unknown_project_is_404(client):
    response = client.get("/simple/nope/")
    assert response.status_code == 404 and "no project named" in response.content.decode()


def test_project_page_attributes(client, user):
    assert (
        upload(client, wheel("demo", "1.0", requires_python=">=3.8,<4"), user.username).status_code
        == 200
    )
    file = File.objects.get()
    html = client.get("/simple/demo/").content.decode()
    assert f'href="/files/{file.path}#sha256={file.sha256}"' in html
    assert 'data-requires-python="&gt;=3.8,&lt;4"' in html
    assert f'data-dist-info-metadata="sha256={file.metadata_sha256}"' in html
    assert f'data-core-metadata="sha256={file.metadata_sha256}"' in html
    assert "data-yanked" not in html
    data = client.get("/simple/demo/", HTTP_ACCEPT=JSON).json()
    assert data["meta"] == {"api-version": "1.1"}
    assert data["name"] == "demo" and data["versions"] == ["1.0"]
    (entry,) = data["files"]
    assert entry["filename"] == file.filename
    assert entry["url"] == f"/files/{file.path}"
    assert entry["hashes"] == {"sha256": file.sha256}
    assert entry["requires-python"] == ">=3.8,<4"
    assert entry["core-metadata"] == entry["dist-info-metadata"] == {"sha256": file.metadata_sha256}
    assert entry["yanked"] is False
    assert entry["size"] == file.size
    assert entry["upload-time"].endswith("Z")


def test_metadata_file_is_served_and_matches_its_hash(client, user):
    dist = wheel("demo", "1.0", requires_dist=["idna"])
    upload(client, dist, user.username)
    file = File.objects.get()
    response = client.get(f"/files/{file.path}.metadata")
    body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert hashlib.sha256(body).hexdigest() == file.metadata_sha256
    assert b"Requires-Dist: idna" in body


def test_yanked_release_is_marked(client):
    release = ReleaseFactory(
        project=ProjectFactory(name="y"), version="1.0", yanked=True, yanked_reason='broken "x" <b>'
    )
    FileFactory(release=release)
    bare = FileFactory(release=ReleaseFactory(project=release.project, version="2.0", yanked=True))
    html = client.get("/simple/y/").content.decode()
    assert 'data-yanked="broken &quot;x&quot; &lt;b&gt;"' in html
    assert f'{bare.sha256}" data-yanked=""' in html
    files = client.get("/simple/y/", HTTP_ACCEPT=JSON).json()["files"]
    assert [f["yanked"] for f in files] == ['broken "x" <b>', True]


def test_versions_list_every_release_in_order(client):
    project = ProjectFactory(name="v")
    for version in ("1.10", "1.2", "1.9b1"):
        ReleaseFactory(project=project, version=version)
    data = client.get("/simple/v/", HTTP_ACCEPT=JSON).json()
    assert data["versions"] == ["1.2", "1.9b1", "1.10"]


def test_etag_and_conditional_get(client):
    ProjectFactory(name="e")
    first = client.get("/simple/e/")
    etag = first["ETag"]
    assert client.get("/simple/e/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    json_etag = client.get("/simple/e/", HTTP_ACCEPT=JSON)["ETag"]
    assert json_etag != etag
    assert (
        client.get("/simple/", HTTP_IF_NONE_MATCH=client.get("/simple/")["ETag"]).status_code == 304
    )


def test_query_count_does_not_grow_and_cache_hits_need_none(client, django_assert_num_queries):
    project = ProjectFactory(name="q")
    release = ReleaseFactory(project=project)
    FileFactory(release=release)
    with django_assert_num_queries(3):
        client.get("/simple/q/")
    for _ in range(10):
        FileFactory(release=ReleaseFactory(project=project))
    simple.invalidate("q")
    with django_assert_num_queries(3):
        response = client.get("/simple/q/")
    assert response.content.decode().count("<a ") == 11
    with django_assert_num_queries(0):
        client.get("/simple/q/")


def test_upload_invalidates_cached_pages(client, user):
    upload(client, wheel("demo", "1.0"), user.username)
    before = client.get("/simple/demo/", HTTP_ACCEPT=JSON).json()
    index = client.get("/simple/").content.decode()
    assert "demo" in index
    upload(client, wheel("demo", "1.1"), user.username)
    after = client.get("/simple/demo/", HTTP_ACCEPT=JSON).json()
    assert len(after["files"]) == len(before["files"]) + 1
    assert after["versions"] == ["1.0", "1.1"]


def test_new_project_invalidates_index(client, user):
    assert "brand-new" not in client.get("/simple/").content.decode()
    upload(client, wheel("brand-new", "1.0"), user.username)
    assert "brand-new" in client.get("/simple/").content.decode()


def test_files_are_served_with_types_and_long_cache(client, user):
    dist = wheel("demo", "1.0")
    upload(client, dist, user.username)
    file = File.objects.get()
    response = client.get(f"/files/{file.path}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == dist.data
    assert response["Content-Type"] == "application/zip"
    assert (
        "max-age=31536000" in response["Cache-Control"] and "immutable" in response["Cache-Control"]
    )
    assert response["ETag"] == f'"{file.sha256}"'
    assert (
        client.get(f"/files/{file.path}", HTTP_IF_NONE_MATCH=f'"{file.sha256}"').status_code == 304
    )
    assert client.get("/files/ab/cd/nothing/here.whl").status_code == 404
    assert client.get("/files/../../etc/passwd").status_code == 404


def test_sdist_content_type(client, user):
    from tests.packages.conftest import sdist

    upload(client, sdist("demo", "1.0"), user.username)
    file = File.objects.get()
    assert client.get(f"/files/{file.path}")["Content-Type"] == "application/gzip"


def test_json_api_in_pypi_shape(client, user):
    upload(client, wheel("Demo", "1.0", requires_dist=["idna"]), user.username)
    upload(client, wheel("Demo", "2.0b1"), user.username)
    data = client.get("/pypi/demo/json").json()
    assert set(data) == {"info", "last_serial", "releases", "urls", "vulnerabilities"}
    assert data["info"]["name"] == "Demo" and data["info"]["version"] == "1.0"
    assert data["info"]["requires_dist"] == ["idna"]
    assert data["info"]["project_urls"] == {"Source": "https://example.com/src"}
    assert list(data["releases"]) == ["1.0", "2.0b1"]
    (url,) = data["urls"]
    assert url["digests"]["sha256"] == File.objects.get(filename=url["filename"]).sha256
    assert url["url"].startswith("http://testserver/files/")
    assert url["packagetype"] == "bdist_wheel" and url["yanked"] is False
    assert data["last_serial"] == 2
    release = client.get("/pypi/demo/2.0b1/json").json()
    assert release["info"]["version"] == "2.0b1" and "releases" not in release
    assert client.get("/pypi/demo/9.9/json").status_code == 404
    assert client.get("/pypi/nope/json").status_code == 404
    assert client.get("/pypi/Demo/json")["Location"] == "/pypi/demo/json"
    json.dumps(data)


def test_project_page_renders_description_safely(client, user):
    dist = wheel(
        "demo", "1.0", description="# Title\n\n<script>alert(1)</script>\n\nSome **bold** text"
    )
    upload(client, dist, user.username)
    response = client.get("/project/demo/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>bold</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert user.username in html and "Owner" in html
    assert File.objects.get().sha256 in html
    assert "https://example.com/src" in html
    assert client.get("/project/demo/1.0/").status_code == 200
    assert client.get("/project/demo/3.0/").status_code == 404
    assert client.get("/project/Demo/")["Location"] == "/project/demo/"
