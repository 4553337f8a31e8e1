"""Settings read from the environment: each case runs a fresh interpreter with that environment."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
PRODUCTION = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "SITE_URL": "https://pypi.example.com",
    "DEBUG": "false",
    "ALLOWED_HOSTS": "pypi.example.com",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DEBUG", "SITE_URL", "ALLOWED_HOSTS", "EMAIL_URL"}
        and not key.startswith("PYTEST")
    }
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_filemail_url_writes_to_the_absolute_directory(tmp_path):
    outbox = tmp_path / "mail"
    code = (
        "import django; django.setup();"
        "from django.core.mail import send_mail;"
        "send_mail('Hello', 'Body', 'from@example.com', ['to@example.com'])"
    )

    result = run(["-c", code], EMAIL_URL=f"filemail://{outbox}")

    assert result.returncode == 0, result.stderr
    written = list(outbox.iterdir())
    assert len(written) == 1
    assert "Subject: Hello" in written[0].read_text()


def test_check_deploy_is_clean_with_production_settings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr.upper().replace("--FAIL-LEVEL WARNING", "")


def test_check_deploy_fails_with_the_development_secret():
    env = {key: value for key, value in PRODUCTION.items() if key != "SECRET_KEY"}

    result = run(["manage.py", "check", "--deploy"], **env)

    assert result.returncode != 0
    assert "wharf.E001" in result.stderr
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_wsgi_refuses_to_start_in_production_without_a_secret():
    env = {key: value for key, value in PRODUCTION.items() if key != "SECRET_KEY"}

    result = run(["-c", "import config.wsgi"], **env)

    assert result.returncode != 0
    assert "Refusing to serve in production with the development SECRET_KEY" in result.stderr


def test_wsgi_starts_in_production_with_a_secret():
    result = run(["-c", "import config.wsgi; print('ready')"], **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "ready" in result.stdout


def test_https_site_url_turns_on_transport_security_and_argon2_hashing():
    names = [
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "PASSWORD_HASHERS[0]",
    ]
    code = "import django; django.setup(); from django.conf import settings; " + "; ".join(
        f"print(settings.{name})" for name in names
    )

    result = run(["-c", code], **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "31536000",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]
