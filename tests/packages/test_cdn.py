"""Pages in S3 for a CDN: object headers, surrogate keys, and the purge hook after each write."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import boto3
import pytest

from packages import cdn
from tests.packages.conftest import upload, wheel
from tests.packages.test_s3 import s3_endpoint  # noqa: F401 - the moto server fixture

pytestmark = pytest.mark.django_db

BUCKET = "wharf-pages"


class RecordingPurger:
    """The fake CDN of these tests: remembers what it was asked to purge."""

    calls: list[dict] = []

    def purge(self, *, tags: list[str], urls: list[str]) -> None:
        RecordingPurger.calls.append({"tags": tags, "urls": urls})


@pytest.fixture
def s3_pages(settings, s3_endpoint, monkeypatch) -> Iterator:  # noqa: F811
    for key, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "NO_PROXY": "*",
    }.items():
        monkeypatch.setenv(key, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    settings.PAGES_STORAGE = f"s3://{BUCKET}/site"
    settings.PAGES_S3_ENDPOINT_URL = s3_endpoint
    settings.CDN_PURGE = "tests.packages.test_cdn.RecordingPurger"
    settings.CDN_PAGES_URL = "https://cdn.example.org"
    cdn._purger.cache_clear()
    RecordingPurger.calls = []
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_pages_go_to_s3_with_cdn_headers_and_are_purged(client, user, s3_pages):
    assert upload(client, wheel("cdn-demo", "1.0"), user.username).status_code == 200
    html = s3_pages.get_object(Bucket=BUCKET, Key="site/simple/cdn-demo/index.html")
    assert html["ContentType"] == "text/html"
    assert html["CacheControl"] == "max-age=60, public"
    assert html["Metadata"]["surrogate-key"] == "simple project-cdn-demo"
    assert html["Body"].read() == client.get("/simple/cdn-demo/").content
    data = s3_pages.get_object(Bucket=BUCKET, Key="site/simple/cdn-demo/index.json")
    assert data["ContentType"] == "application/vnd.pypi.simple.v1+json"
    root = s3_pages.get_object(Bucket=BUCKET, Key="site/simple/index.json")
    assert {"name": "cdn-demo"} in json.loads(root["Body"].read())["projects"]
    assert RecordingPurger.calls == [
        {
            "tags": ["project-cdn-demo", "simple-index"],
            "urls": ["https://cdn.example.org/simple/", "https://cdn.example.org/simple/cdn-demo/"],
        }
    ]


class _FakeApi(BaseHTTPRequestHandler):
    seen: list[tuple[str, dict, dict]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _FakeApi.seen.append((self.path, dict(self.headers), body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"status": "ok", "success": true}')

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def fake_cdn_api(settings) -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _FakeApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _FakeApi.seen = []
    settings.CDN_API_URL = f"http://127.0.0.1:{server.server_port}"
    settings.CDN_SERVICE_ID = "svc123"
    settings.CDN_API_TOKEN = "secret-token"
    cdn._purger.cache_clear()
    yield settings.CDN_API_URL
    server.shutdown()
    cdn._purger.cache_clear()


def test_fastly_purges_by_surrogate_key(fake_cdn_api, settings):
    settings.CDN_PURGE = "fastly"
    cdn.purge(tags=["project-demo"], keys=["simple/demo/index.html"])
    path, headers, body = _FakeApi.seen[0]
    assert path == "/service/svc123/purge"
    assert headers["Fastly-Key"] == "secret-token"
    assert body == {"surrogate_keys": ["project-demo"]}


def test_cloudflare_purges_by_url(fake_cdn_api, settings):
    settings.CDN_PURGE = "cloudflare"
    settings.CDN_PAGES_URL = "https://index.example.org"
    cdn.purge(tags=["project-demo"], keys=["simple/demo/index.html", "simple/demo/index.json"])
    path, headers, body = _FakeApi.seen[0]
    assert path == "/client/v4/zones/svc123/purge_cache"
    assert headers["Authorization"] == "Bearer secret-token"
    assert body == {"files": ["https://index.example.org/simple/demo/"]}


def test_a_refused_purge_raises_so_the_task_retries(settings):
    settings.CDN_PURGE = "fastly"
    settings.CDN_API_URL = "http://127.0.0.1:9"  # nothing listens: the purge fails clearly
    cdn._purger.cache_clear()
    with pytest.raises(Exception, match="Could not fetch"):
        cdn.purge(tags=["project-demo"], keys=["simple/demo/index.html"])
    cdn._purger.cache_clear()
