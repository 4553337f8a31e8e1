"""Account recovery in Chromium: a claimant asks, confirms the contact address by the mailed
link, and a support-staff member signs in (password and authenticator code) and approves the
request in the admin, confirming the dialog."""

from __future__ import annotations

import pyotp
from django.core import mail
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from recovery.models import Ticket
from tests.browser.conftest import screenshot
from tests.conftest import login_verified
from tests.factories import PASSWORD
from tests.recovery.conftest import ATTEST_REPOSITORY, make_support_staff
from tests.recovery.conftest import dag as dag  # the seed's claimant, a fixture
from tests.recovery.helpers import link_in, mails_to


def test_support_staff_approve_a_recovery_in_the_admin(new_page, site, dag):
    claimant = new_page()
    claimant.goto(f"{site}/recovery/")
    claimant.fill("[name=account]", "dag")
    claimant.fill("[name=contact_email]", "dag@newmail.example")
    claimant.check("[name=lost][value=password]")
    claimant.check("[name=lost][value=email_access]")
    claimant.fill("[name=repository_urls]", ATTEST_REPOSITORY)
    claimant.fill("[name=projects]", "Attest")
    claimant.fill("[name=other_evidence]", "My GitHub account dag-dev owns the repository.")
    claimant.check("[name=agree_code_of_conduct]")
    claimant.check("[name=acknowledge_review_time]")
    claimant.click("main form button[type=submit]")
    claimant.wait_for_url("**/recovery/sent/")
    [confirm] = mails_to(mail.outbox, "dag@newmail.example")
    claimant.goto(site + link_in(confirm, "verify"))
    claimant.click("main form button[type=submit]")
    ticket = Ticket.objects.get()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN

    # No system check proves the claim here, so a second staff member vouches first (four eyes).
    second = login_verified(Client(), make_support_staff(username="kim-support"))
    vouched = second.post(
        f"/admin/recovery/ticket/{ticket.pk}/act/endorse/",
        {"reason": "Checked the repository history: dag-dev made every commit."},
    )
    assert vouched.status_code == 302
    make_support_staff(username="sam-support", email="sam@wharf.example")
    staff = new_page()
    staff.on("dialog", lambda dialog: dialog.accept())
    staff.goto(f"{site}/admin/recovery/ticket/")
    staff.wait_for_url("**/accounts/login/**")
    staff.fill("[name=login]", "sam-support")
    staff.fill("[name=password]", PASSWORD)
    staff.click("form[action^='/accounts/login/'] button[type=submit]")
    staff.wait_for_url("**/accounts/two-factor/**")
    secret = TOTPDevice.objects.get(user__username="sam-support").config_url
    staff.fill("[name=code]", pyotp.parse_uri(secret).now())
    staff.click("main form[method=post] button[type=submit]")
    staff.wait_for_url("**/admin/recovery/ticket/")
    staff.click(f"text={ticket.reference}")
    staff.wait_for_url(f"**/admin/recovery/ticket/{ticket.pk}/change/")
    assert "four eyes" in staff.locator("#content").inner_text()
    screenshot(staff, "admin-recovery-ticket")
    approve = staff.locator("form.approve")
    approve.locator("[name=remedies][value=set_contact_email]").check()
    approve.locator("[name=reason]").fill("Repository listed by Attest's metadata is dag's.")
    approve.locator("input[type=submit]").click()
    staff.wait_for_load_state()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.APPROVED
    assert ticket.events.get(action="approved").actor.username == "sam-support"
