"""Issue 14 #6, #8 (mail), #9 (breached passwords), #10: reset links, SMTP down, HIBP, cookies."""

from __future__ import annotations

import hashlib
import logging
import os
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.test import Client

from accounts.models import User
from tests.accounts.conftest import NEW_PASSWORD, link_in, signup_data
from tests.factories import PASSWORD
from tests.recovery.conftest import FakeWeb

pytestmark = pytest.mark.django_db

RESET = "/accounts/password/reset/"
KEY_LINK = "/accounts/password/reset/key/"
INVALID = "The password reset link was invalid"


def reset_link(client: Client, mailoutbox, email: str) -> str:
    client.post(RESET, {"email": email})
    return link_in(mailoutbox[-1], KEY_LINK)


def opens(link: str) -> bool:
    """Whether the reset link still leads to the new-password form."""
    page = Client().get(link, follow=True).content.decode()
    return INVALID not in page and "password1" in page


# --- #6 reset links ------------------------------------------------------------------------


def test_reset_links_live_one_hour(client, user, mailoutbox, monkeypatch):
    link = reset_link(client, mailoutbox, user.email)
    real_now = PasswordResetTokenGenerator._now

    def later(minutes: int) -> None:
        monkeypatch.setattr(
            PasswordResetTokenGenerator,
            "_now",
            lambda self: real_now(self) + timedelta(minutes=minutes),
        )

    later(59)
    assert opens(link)
    later(61)
    assert not opens(link)  # was 3 days


def test_reset_link_dies_when_the_user_signs_in(client, user, mailoutbox):
    link = reset_link(client, mailoutbox, user.email)
    time.sleep(1.01)  # the token hashes last_login to the second
    signed_in = Client().post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert not opens(link)


def test_reset_link_works_once_and_dies_with_a_password_change(client, user, mailoutbox):
    first = reset_link(client, mailoutbox, user.email)
    second = reset_link(client, mailoutbox, user.email)
    browser = Client()
    form = browser.get(first, follow=True)
    response = browser.post(
        form.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert not opens(first)
    assert not opens(second)


# --- #8 mail server down ---------------------------------------------------------------------


class FakeSmtp:
    """An SMTP server on 127.0.0.1 that turns the first `refuse` connections away (421)."""

    def __init__(self, refuse: int = 0) -> None:
        self.refuse = refuse
        self.messages: list[bytes] = []
        fake = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self) -> None:
                if fake.refuse > 0:
                    fake.refuse -= 1
                    self.reply("421 try again later")
                    return
                self.reply("220 fake")
                while line := self.rfile.readline():
                    command = line.decode().strip().upper()
                    if command.startswith(("HELO", "EHLO")):
                        self.reply("250 fake")
                    elif command == "DATA":
                        self.reply("354 go on")
                        data = b""
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data += chunk
                        fake.messages.append(data)
                        self.reply("250 queued")
                    elif command == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("250 ok")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _smtp_settings(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5


def test_smtp_down_answers_the_same_for_known_and_unknown_addresses(client, user, settings, caplog):
    dead = FakeSmtp(refuse=10**6)  # refuses every connection
    try:
        _smtp_settings(settings, dead.port)
        with caplog.at_level(logging.ERROR, logger="accounts.tasks"):
            known = client.post(RESET, {"email": user.email})
            unknown = Client().post(RESET, {"email": "nobody@example.com"})
    finally:
        dead.close()
    assert (known.status_code, known["Location"]) == (302, "/accounts/password/reset/done/")
    assert (unknown.status_code, unknown["Location"]) == (302, "/accounts/password/reset/done/")
    lost = [r for r in caplog.records if "could not be sent" in r.getMessage()]
    assert len(lost) == 2 and "CELERY_BROKER_URL" in lost[0].getMessage()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_retries_mail_while_the_server_is_down(celery_worker, user, settings):
    flaky = FakeSmtp(refuse=1)
    try:
        _smtp_settings(settings, flaky.port)
        assert Client().post(RESET, {"email": user.email}).status_code == 302
        deadline = time.monotonic() + 20
        while not flaky.messages and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        flaky.close()
    assert flaky.refuse == 0  # the first attempt was turned away...
    [message] = flaky.messages  # ...and the retry delivered it
    assert user.email.encode() in message and KEY_LINK.encode() in message


# --- #9 breached passwords -----------------------------------------------------------------

BREACHED = "hunter2hunter2hunter2"
FRESH = "violet maple harbour 1979"


@pytest.fixture
def fake_hibp(settings) -> Iterator[FakeWeb]:
    """Have I Been Pwned's range API on 127.0.0.1: knows one breached password."""
    web = FakeWeb()
    digest = hashlib.sha1(BREACHED.encode()).hexdigest().upper()  # noqa: S324 - HIBP's scheme
    web.pages[f"/range/{digest[:5]}"] = (
        200,
        f"0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n{digest[5:]}:3861493\r\n".encode(),
    )
    settings.PWNED_PASSWORDS_URL = f"{web.url}/range/"
    yield web
    web.close()


def test_a_breached_password_is_refused_at_signup(client, fake_hibp):
    response = client.post("/accounts/signup/", signup_data(password1=BREACHED, password2=BREACHED))
    assert response.status_code == 200
    page = response.content.decode()
    assert "appeared in 3,861,493 data breaches" in page and "Choose a different one" in page
    assert not User.objects.filter(username="Alice").exists()
    # Only the first five characters of the hash left the server.
    [asked] = fake_hibp.requests
    assert len(asked.rsplit("/", 1)[-1]) == 5


def test_a_fresh_password_passes_and_an_outage_allows_and_logs(client, fake_hibp, caplog):
    assert (
        client.post("/accounts/signup/", signup_data(password1=FRESH, password2=FRESH))["Location"]
        == "/accounts/confirm-email/"
    )
    fake_hibp.close()  # the service is down
    with caplog.at_level(logging.WARNING, logger="accounts.breached"):
        response = Client().post(
            "/accounts/signup/",
            signup_data(
                username="bob", email="bob@example.com", password1=BREACHED, password2=BREACHED
            ),
        )
    assert response.status_code == 302
    assert any("password was allowed" in r.getMessage() for r in caplog.records)


def test_the_offline_list_refuses_known_breached_passwords(client, settings):
    settings.PWNED_PASSWORDS_URL = "offline"
    response = client.post(
        "/accounts/signup/",
        signup_data(password1="correcthorsebatterystaple", password2="correcthorsebatterystaple"),
    )
    assert "data breach" in response.content.decode()


# --- #10 cookies ---------------------------------------------------------------------------


def test_https_site_names_cookies_with_the_host_prefix(settings):
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE,"
        " s.SESSION_COOKIE_SAMESITE, s.SESSION_COOKIE_HTTPONLY)"
    )
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "SITE_URL": "https://wharf.example",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["__Host-sessionid", "__Host-csrftoken", "True", "Lax", "True"]

    # Those settings, served: the cookies a browser gets after signing in over https.
    settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME = out[0], out[1]
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.ALLOWED_HOSTS = ["wharf.example"]
    user = User.objects.create_user("cookie-user", "c@example.com", PASSWORD)
    browser = Client(HTTP_HOST="wharf.example")
    login = browser.get("/accounts/login/", secure=True)
    csrf = login.cookies["__Host-csrftoken"]
    assert csrf["secure"] and csrf["path"] == "/" and not csrf["domain"]
    assert csrf["samesite"] == "Lax"
    signed_in = browser.post(
        "/accounts/login/", {"login": user.username, "password": PASSWORD}, secure=True
    )
    session = signed_in.cookies["__Host-sessionid"]
    assert session["secure"] and session["httponly"] and session["path"] == "/"
    assert session["samesite"] == "Lax" and not session["domain"]
    assert "sessionid" not in signed_in.cookies


def test_plain_http_development_keeps_the_usual_names(client, user):
    login = client.get("/accounts/login/")
    assert "csrftoken" in login.cookies
    mail.outbox.clear()
