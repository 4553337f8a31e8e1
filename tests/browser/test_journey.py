"""A new user's whole journey in Chromium, from sign-up to an ended session (issue 12).

sign up → verify by the mailed link → sign in → add TOTP → sign out → sign in with a
recovery code in the single box → add a passkey (CDP virtual authenticator) → sign out →
sign in with the passkey alone → create a token and copy it → twine upload with it → find
the project by search → open its page at 390 px with no horizontal overflow → end another
session and see it signed out.
"""

from __future__ import annotations

import re

import pyotp
from django.core import mail

from accounts.models import User, UserSession, WebAuthnDevice
from packages.models import File
from tests.browser.conftest import (
    PHONE,
    add_virtual_authenticator,
    horizontal_overflow,
    screenshot,
    widest_elements,
)
from tests.factories import PASSWORD
from tests.packages.conftest import build_wheel
from tests.packages.test_clients import twine, write


def sign_in_with_password(page, site: str, username: str) -> None:
    page.goto(f"{site}/accounts/login/")
    page.fill("[name=login]", username)
    page.fill("[name=password]", PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")


def second_step_with_code(page, code: str) -> None:
    page.wait_for_url("**/accounts/two-factor/")
    # One box takes an authenticator code or a recovery code, told apart by its shape.
    assert page.locator("main select").count() == 0
    page.fill("[name=code]", code)
    page.click("main form[method=post] button[type=submit]")


def sign_out(page) -> None:
    page.click("header button:has-text('Sign out')")
    page.wait_for_url("**/")


def test_new_user_journey(new_page, site, tmp_path):
    page = new_page()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.on("dialog", lambda dialog: dialog.accept())

    # Sign up, then verify the address by the mailed link.
    page.goto(site)
    page.click("header >> text=Sign up")
    page.fill("[name=username]", "harbour-keeper")
    page.fill("[name=email]", "keeper@example.com")
    page.fill("[name=password1]", PASSWORD)
    page.fill("[name=password2]", PASSWORD)
    page.check("[name=agree_terms]")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    [verification] = [m for m in mail.outbox if "keeper@example.com" in m.to]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", verification.body).group(0)
    page.goto(link)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    user = User.objects.get(username="harbour-keeper")
    assert user.has_verified_email
    if page.locator("header button:has-text('Sign out')").count():
        sign_out(page)

    # Sign in with the password; add an authenticator app.
    sign_in_with_password(page, site, "harbour-keeper")
    page.wait_for_url(f"{site}/manage/account/")
    page.goto(f"{site}/manage/account/two-factor/totp/")
    secret = page.locator("code.secret").inner_text()
    page.fill("[name=code]", pyotp.TOTP(secret).now())
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{site}/manage/account/two-factor/recovery-codes/")
    codes = page.locator("pre.recovery-codes").inner_text().split()
    assert len(codes) == 8
    screenshot(page, "journey-recovery-codes")
    sign_out(page)

    # Sign in again with a recovery code in the single code box.
    sign_in_with_password(page, site, "harbour-keeper")
    second_step_with_code(page, codes[0])
    page.wait_for_url(f"{site}/manage/account/")

    # Add a passkey through the virtual authenticator; sign out; sign in with it alone.
    add_virtual_authenticator(page)
    page.goto(f"{site}/manage/account/two-factor/passkey/")
    page.fill("[name=label]", "Laptop")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{site}/manage/account/two-factor/")
    assert WebAuthnDevice.objects.get(user=user).passkey
    screenshot(page, "journey-two-factor")
    sign_out(page)
    page.goto(f"{site}/accounts/login/")
    screenshot(page, "journey-sign-in")
    page.on("console", lambda m: print("CONSOLE", m.text))
    page.on(
        "response",
        lambda r: print("RESP", r.status, r.url, r.text()) if "passkey/complete" in r.url else None,
    )
    page.click("text=Sign in with a passkey")
    page.wait_for_url(f"{site}/manage/account/")
    assert "Signed in with a passkey" in page.locator("main").inner_text()
    screenshot(page, "journey-account")

    # Create a token and copy it.
    page.goto(f"{site}/manage/account/tokens/new/")
    page.fill("[name=name]", "CI")
    page.fill("[name=new_projects]", "harbour-lights")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{site}/manage/account/tokens/new/")
    raw = page.locator("#token").inner_text().strip()
    page.click("button:has-text('Copy token')")
    assert page.evaluate("navigator.clipboard.readText()") == raw

    # twine uploads with it.
    wheel = write(tmp_path, build_wheel("harbour-lights", "0.1.0", summary="Lights for harbours"))
    result = twine(site, "__token__", wheel, password=raw)
    assert result.returncode == 0, result.output
    assert File.objects.filter(filename=wheel.name).exists()

    # Find it by search; its page fits a phone.
    page.goto(site)
    page.fill("#home-q", "harbour lights")
    page.press("#home-q", "Enter")
    page.wait_for_url("**/search/?q=*")
    screenshot(page, "journey-search")
    page.click("main .project-list >> text=harbour-lights")
    page.wait_for_url(f"{site}/project/harbour-lights/")
    screenshot(page, "journey-project")
    page.set_viewport_size(PHONE)
    page.reload()
    assert horizontal_overflow(page) <= 0, widest_elements(page)
    screenshot(page, "journey-project-phone")
    page.goto(f"{site}/manage/project/harbour-lights/")
    history = page.locator("main").inner_text()
    assert "Uploaded harbour_lights-0.1.0-py3-none-any.whl with token ‘CI’" in history
    page.set_viewport_size({"width": 1280, "height": 900})

    # A second browser signs in (password and another recovery code) ...
    other = new_page()
    sign_in_with_password(other, site, "harbour-keeper")
    second_step_with_code(other, codes[1])
    other.wait_for_url(f"{site}/manage/account/")
    assert UserSession.objects.active_for(user).count() == 2

    # ... and the first ends it from the sessions page: the second is signed out.
    page.goto(f"{site}/manage/account/sessions/")
    assert page.locator("text=(this session)").count() == 1
    screenshot(page, "journey-sessions")
    page.click("main table button:has-text('Sign out')")
    page.wait_for_url(f"{site}/manage/account/sessions/")
    assert "That session is signed out." in page.locator("main").inner_text()
    other.goto(f"{site}/manage/account/")
    other.wait_for_url("**/accounts/login/**")
    assert "signed out from another one" in other.locator("main").inner_text()
    assert UserSession.objects.active_for(user).count() == 1
