"""Distribution files through the S3 backend (moto's S3 server on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
import requests

from packages.models import File
from tests.packages.conftest import upload, wheel

pytestmark = pytest.mark.django_db

BUCKET = "wharf-files"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_storage(settings, s3_endpoint, monkeypatch) -> Iterator:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "NO_PROXY": "*",
    }.items():
        monkeypatch.setenv(key, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    # The same options config/settings.py builds from FILES_STORAGE=s3://wharf-files/dists
    settings.STORAGES = {
        **settings.STORAGES,
        "files": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "location": "dists",
                "endpoint_url": s3_endpoint,
                "file_overwrite": True,
            },
        },
    }
    yield client
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for item in listed:
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> list[str]:
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_upload_and_download_through_s3(client, user, s3_storage, s3_endpoint):
    dist = wheel("s3-demo", "1.0")
    assert upload(client, dist, user.username).status_code == 200
    file = File.objects.get()
    assert keys(s3_storage) == [f"dists/{file.path}", f"dists/{file.path}.metadata"]
    # The download never passes through Python: a redirect to a presigned URL of the object.
    response = client.get(f"/files/{file.path}")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{s3_endpoint}/{BUCKET}/dists/{file.path}?")
    assert "Signature=" in response["Location"] or "X-Amz-Signature=" in response["Location"]
    assert requests.get(response["Location"], timeout=10).content == dist.data
    # An identical re-upload doesn't write again; a failure afterwards leaves nothing extra.
    assert upload(client, dist, user.username).status_code == 200
    assert len(keys(s3_storage)) == 2


def test_downloads_redirect_to_the_cdn_when_one_is_set(client, user, s3_storage, settings):
    settings.FILES_CDN_URL = "https://files.example.org/dists"
    assert upload(client, wheel("s3-cdn", "1.0"), user.username).status_code == 200
    file = File.objects.get()
    response = client.get(f"/files/{file.path}")
    assert response.status_code == 302
    assert response["Location"] == f"https://files.example.org/dists/{file.path}"


def test_a_hung_endpoint_fails_the_upload_fast_with_its_cause_logged(
    client, user, settings, caplog
):
    """An S3 endpoint that accepts connections and never answers: 503 well within timeouts."""
    import socket
    import time

    from botocore.config import Config

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts (in the backlog), never answers
    port = listener.getsockname()[1]
    settings.STORAGES = {
        **settings.STORAGES,
        "files": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": f"http://127.0.0.1:{port}",
                "access_key": "test",
                "secret_key": "test",
                "region_name": "us-east-1",
                # settings.py builds this from S3_CONNECT_TIMEOUT / S3_READ_TIMEOUT / ..., here
                # shortened so the test is quick.
                "client_config": Config(
                    connect_timeout=1, read_timeout=1, retries={"max_attempts": 2}
                ),
            },
        },
    }
    started = time.monotonic()
    try:
        response = upload(client, wheel("s3-hung", "1.0"), user.username)
    finally:
        listener.close()
    assert time.monotonic() - started < 30
    assert response.status_code == 503
    assert "could not be stored" in response.reason_phrase
    assert "try again later" in response.reason_phrase
    assert not File.objects.exists()
    logged = [r for r in caplog.records if "storing" in r.getMessage()]
    assert logged and "Timeout" in logged[0].getMessage()  # the cause, not just "failed"
    assert logged[0].exc_info is not None
