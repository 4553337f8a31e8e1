"""A re-authentication detour in the middle of a form brings the user back to the form with
what they typed (never the passwords or codes)."""

from __future__ import annotations

import time

from tests.browser.conftest import signed_in_as
from tests.factories import PASSWORD, UserFactory


def test_the_form_comes_back_filled_in_after_reauthentication(page, site, settings):
    user = UserFactory(verified=True)
    signed_in_as(page, site, user, verified=False)
    page.goto(f"{site}/manage/account/tokens/new/")
    page.fill("[name=name]", "CI for harbour-lights")
    page.fill("[name=new_projects]", "harbour-lights")
    settings.REAUTH_MAX_AGE = 1
    time.sleep(1.2)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/manage/account/reauthenticate/?next=*")
    settings.REAUTH_MAX_AGE = 300
    page.fill("[name=password]", PASSWORD)
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_url(f"{site}/manage/account/tokens/new/")
    assert page.input_value("[name=name]") == "CI for harbour-lights"
    assert page.input_value("[name=new_projects]") == "harbour-lights"
    assert "What you typed is back" in page.locator("main").inner_text()
