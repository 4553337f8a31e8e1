"""static/js/webauthn.js in a real browser: Chromium's virtual security key through the pages
(a second factor after the password; passkeys are in test_journey.py).

Skipped where playwright or /usr/bin/chromium is missing (see NOTES: apt-get install chromium).
"""

from __future__ import annotations

import time

import pytest

from accounts.models import RecoveryCodeDevice, WebAuthnDevice
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def page(new_page) -> object:
    """A page with a virtual USB security key (CTAP2, resident keys, user verification)."""
    page = new_page()
    cdp = page.context.new_cdp_session(page)
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
    return page


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
