"""The real-browser suite: Playwright driving Debian's /usr/bin/chromium (never a download).

One browser per test module (launching takes a second); each test gets fresh contexts. The live
server is addressed as http://localhost:<port> (WebAuthn's RP ID must be a host name).
axe-core comes from node_modules (npm ci, pinned in package-lock.json). Screenshots go to
var/screenshots/; a few are committed under docs/ for the README.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.test import Client

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(django_settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(django_settings.BASE_DIR) / "var" / "screenshots"
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
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.django_db(transaction=True))
            if not os.path.exists(CHROMIUM):
                item.add_marker(pytest.mark.skip(reason="needs /usr/bin/chromium"))


@pytest.fixture(scope="module")
def browser(django_db_setup) -> Iterator[object]:
    """One Chromium per test module: the tests of a module share it, each in new contexts."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("needs /usr/bin/chromium")
    # playwright's event loop runs in this thread while the module's tests run; Django's
    # database calls from the tests are still synchronous. Only for these modules: a
    # subprocess started later (manage.py check --deploy) must not inherit the variable.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def site(live_server, settings, monkeypatch) -> str:
    """The live server as SITE_URL: its host is the RP ID, its origin the only one accepted."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    url = live_server.url.replace("127.0.0.1", "localhost")
    settings.SITE_URL = url
    settings.SITE_HOST = "localhost"
    settings.CSRF_TRUSTED_ORIGINS = [url]
    return url


@pytest.fixture
def new_page(browser, site) -> Iterator[object]:
    """new_page(viewport=DESKTOP) -> a page in a fresh context (its own cookies)."""
    contexts = []

    def make(viewport: dict[str, int] = DESKTOP, **options: object):
        context = browser.new_context(viewport=viewport, **options)
        if AXE.exists():  # in every page, before its own scripts (not subject to its CSP)
            context.add_init_script(path=str(AXE))
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        return page

    yield make
    for context in contexts:
        context.close()
    # Django keeps a connection per asgiref context while playwright's loop runs: close it,
    # or PostgreSQL refuses to drop the test database at the end.
    connections.close_all()


@pytest.fixture
def page(new_page) -> object:
    return new_page()


def add_virtual_authenticator(page) -> str:
    """A platform authenticator that holds passkeys and verifies its user (CDP)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    answer = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return answer["authenticatorId"]


def signed_in_as(page, site: str, user, *, verified: bool = True) -> None:
    """Put a signed-in session cookie in the page's context (for pages not about sign-in)."""
    from tests.conftest import login_verified, mark_reauthenticated

    client = Client()
    if verified:
        login_verified(client, user)
    else:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    mark_reauthenticated(client)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": site, "httpOnly": True}]
    )


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when it fits)."""
    return page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - document.documentElement.clientWidth"
    )


def widest_elements(page) -> list[str]:
    """The elements sticking out past the right edge, to say what overflows."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .slice(0, 8)
        .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
             + (typeof e.className === 'string' && e.className
                ? '.' + e.className.split(' ').join('.') : '')
             + ' ' + Math.round(e.getBoundingClientRect().right))"""
    )


def axe(page) -> list[dict]:
    """axe-core's violations on the current page, critical and serious only."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci` (make test does) to install it")
    result = page.evaluate(
        "async () => JSON.stringify(await axe.run(document, {resultTypes: ['violations']}))"
    )
    violations = json.loads(result)["violations"]
    return [v for v in violations if v["impact"] in ("critical", "serious")]


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['impact']}: {v['id']} ({v['help']}) at "
        + "; ".join(", ".join(node["target"]) for node in v["nodes"][:3])
        for v in violations
    )


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
