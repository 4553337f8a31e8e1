"""static/js/webauthn.js in a real browser: Chromium's virtual security key through the pages.

Skipped where playwright or /usr/bin/chromium is missing (see NOTES: apt-get install chromium).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator

import pytest
from django.db import connections

from accounts.models import RecoveryCodeDevice, WebAuthnDevice
from tests.factories import PASSWORD, UserFactory

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs /usr/bin/chromium"),
]
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def site(live_server, settings, monkeypatch) -> str:
    """The live server as SITE_URL: its host is the RP ID, its origin the only one accepted."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    url = live_server.url.replace("127.0.0.1", "localhost")
    settings.SITE_URL = url
    settings.SITE_HOST = "localhost"
    return url


@pytest.fixture
def page(site) -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context()
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "usb",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                }
            },
        )
        page.set_default_timeout(15000)
        yield page
        browser.close()
        # While playwright's event loop runs, Django keeps the test's database connection
        # per context (asgiref), apart from the thread's: close it before the loop stops,
        # or it stays open and PostgreSQL refuses to drop the test database at the end.
        connections.close_all()


def sign_in(page, site: str, user) -> None:
    page.goto(f"{site}/accounts/login/")
    page.fill("[name=login]", user.username)
    page.fill("[name=password]", PASSWORD)
    page.click("main form[method=post] [type=submit]")


def test_register_a_key_and_sign_in_with_it_in_a_browser(page, site, settings):
    user = UserFactory(verified=True)
    sign_in(page, site, user)
    page.wait_for_url(f"{site}/manage/account/")

    page.goto(f"{site}/manage/account/two-factor/webauthn/")
    page.fill("[name=label]", "Virtual key")
    page.click("form[data-webauthn] [type=submit]")
    page.wait_for_url(f"{site}/manage/account/two-factor/recovery-codes/")
    assert page.locator("pre.recovery-codes").inner_text().count("-") == 8 * 3
    assert WebAuthnDevice.objects.get(user=user).name == "Virtual key"
    assert RecoveryCodeDevice.objects.get(user=user).remaining == 8

    page.goto(f"{site}/manage/account/")
    page.click("text=Sign out")
    sign_in(page, site, user)
    page.wait_for_url(f"{site}/accounts/two-factor/")
    page.click("text=Use my security key")
    page.wait_for_url(f"{site}/manage/account/")
    assert WebAuthnDevice.objects.get(user=user).last_used_at is not None
    assert user.events.filter(tag="account:2fa:webauthn:used").exists()

    # Later, a sensitive page asks again: password + the key, then back to that page.
    settings.REAUTH_MAX_AGE = 1
    time.sleep(1.2)
    page.goto(f"{site}/manage/account/two-factor/webauthn/")
    page.wait_for_url(f"{site}/manage/account/reauthenticate/?next=*")
    settings.REAUTH_MAX_AGE = 300
    page.fill("[name=password]", PASSWORD)
    page.click("text=Continue with my security key")
    page.wait_for_url(f"{site}/manage/account/two-factor/webauthn/")
    assert user.events.filter(tag="account:2fa:webauthn:used").count() == 2
