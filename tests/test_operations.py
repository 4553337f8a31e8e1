"""Operations: health endpoints, JSON logs, Sentry, deploy checks and beat's schedule file."""

from __future__ import annotations

import gzip
import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from botocore.config import Config

from config.celery import app as celery_app
from core.logs import JsonFormatter
from tests.accounts.test_settings import PRODUCTION, run

pytestmark = pytest.mark.django_db

CLOSED = "127.0.0.1:9"  # nothing listens on the discard port


def test_healthz_answers_without_touching_anything(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_answers_ok_when_everything_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
        "storage": "ok",
    }


def _failing(client, name: str) -> dict:
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == [name]
    assert f"{name} did not answer" in body["message"]
    assert body["checks"][name].startswith("failing: ")
    assert all(v == "ok" for k, v in body["checks"].items() if k != name)
    return body


def test_readyz_names_a_cache_that_is_down(client, settings):
    working = settings.CACHES
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://{CLOSED}/0",
        }
    }
    try:
        body = _failing(client, "cache")
    finally:
        settings.CACHES = working  # the suite's own clean-up uses the cache
    assert "Connection" in body["checks"]["cache"]


def test_readyz_names_a_broker_that_is_down(client, settings):
    settings.CELERY_BROKER_URL = f"redis://{CLOSED}/0"
    _failing(client, "broker")


def test_readyz_names_storage_that_is_down(client, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "files": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "wharf-files",
                "endpoint_url": f"http://{CLOSED}",
                "access_key": "test",
                "secret_key": "test",
                "region_name": "us-east-1",
                "client_config": Config(connect_timeout=1, retries={"max_attempts": 1}),
            },
        },
    }
    body = _failing(client, "storage")
    assert "127.0.0.1:9" in body["checks"]["storage"]


def test_log_lines_are_json_with_time_level_request_id_and_user(user_client, user, settings):
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Keep()
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    settings.CELERY_BROKER_URL = f"redis://{CLOSED}/0"
    try:
        user_client.get("/manage/account/")  # loads the signed-in user
        response = user_client.get("/readyz", HTTP_X_REQUEST_ID="proxy-given-id-123")
    finally:
        logger.removeHandler(handler)
    assert response["X-Request-ID"] == "proxy-given-id-123"
    line = json.loads(records[-1])
    assert line["level"] in ("WARNING", "ERROR")
    assert line["message"] == "Service Unavailable: /readyz"
    assert line["request_id"] == "proxy-given-id-123"
    assert line["time"].endswith("+00:00")
    # A bad id from outside is replaced by one of ours.
    other = user_client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert len(other["X-Request-ID"]) == 32


def test_log_lines_name_the_signed_in_user(user_client, user):
    from core import logs

    records: list[dict] = []
    real = logs.RequestContextMiddleware.__call__

    def spy(self, request):
        response = real(self, request)
        records.append(json.loads(JsonFormatter().format(logging.makeLogRecord({"msg": "x"}))))
        return response

    logs.RequestContextMiddleware.__call__ = spy
    try:
        user_client.get("/manage/account/")
    finally:
        logs.RequestContextMiddleware.__call__ = real
    assert records[-1]["user"] == user.username


class _Sentry(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        _Sentry.received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def fake_sentry() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Sentry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Sentry.received = []
    yield f"http://publickey@127.0.0.1:{server.server_port}/42"
    server.shutdown()


def test_sentry_reports_when_a_dsn_is_set(fake_sentry):
    probe = (
        "import django; django.setup(); import sentry_sdk;"
        "from sentry_sdk.integrations.django import DjangoIntegration;"
        "from sentry_sdk.integrations.celery import CeleryIntegration;"
        "client = sentry_sdk.get_client();"
        "assert client.get_integration(DjangoIntegration) is not None;"
        "assert client.get_integration(CeleryIntegration) is not None;"
        "sentry_sdk.capture_message('wharf-sentry-probe'); sentry_sdk.flush(5)"
    )
    result = run(["-c", probe], **PRODUCTION, SENTRY_DSN=fake_sentry, NO_PROXY="*")
    assert result.returncode == 0, result.stderr
    assert any(b"wharf-sentry-probe" in body for body in _Sentry.received)


def test_check_deploy_refuses_production_without_a_broker():
    env = {key: value for key, value in PRODUCTION.items() if key != "CELERY_BROKER_URL"}
    result = run(["manage.py", "check", "--deploy"], **env, CELERY_BROKER_URL="")
    assert result.returncode != 0
    assert "wharf.E003" in result.stderr
    assert "Set CELERY_BROKER_URL" in result.stderr


def test_beat_schedule_file_is_configurable(settings, tmp_path):
    assert celery_app.conf.beat_schedule_filename == settings.CELERY_BEAT_SCHEDULE_FILENAME
    wanted = tmp_path / "state" / "celerybeat-schedule"
    result = run(
        ["-c", "from config.celery import app; print(app.conf.beat_schedule_filename)"],
        **PRODUCTION,
        CELERY_BEAT_SCHEDULE_FILE=str(wanted),
    )
    assert result.stdout.strip().splitlines()[-1] == str(wanted)
