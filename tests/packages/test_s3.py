"""Distribution files through the S3 backend (moto's S3 server on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

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


def test_upload_and_download_through_s3(client, user, s3_storage):
    dist = wheel("s3-demo", "1.0")
    assert upload(client, dist, user.username).status_code == 200
    file = File.objects.get()
    assert keys(s3_storage) == [f"dists/{file.path}", f"dists/{file.path}.metadata"]
    response = client.get(f"/files/{file.path}")
    assert b"".join(response.streaming_content) == dist.data
    # An identical re-upload doesn't write again; a failure afterwards leaves nothing extra.
    assert upload(client, dist, user.username).status_code == 200
    assert len(keys(s3_storage)) == 2
