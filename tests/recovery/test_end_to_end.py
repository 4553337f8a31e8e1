"""The seed's case, through HTTP and the admin: "dag" gets back into "Attest"."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from packages.models import RoleInvitation
from recovery.models import Ticket
from recovery.tasks import process_recovery_tickets
from tests.conftest import login_verified
from tests.factories import PASSWORD, UserFactory
from tests.recovery.conftest import ATTEST_REPOSITORY, make_support_staff
from tests.recovery.helpers import link_in, mails_to

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "tidal basin lantern 1987"


def test_dag_recovers_attest(client, dag, mailoutbox, django_capture_on_commit_callbacks):
    # 1. The password reset refuses the unverified address and points to recovery.
    reset_page = client.get("/accounts/password/reset/")
    assert b'href="/recovery/"' in reset_page.content
    client.post("/accounts/password/reset/", {"email": "dag@oldmail.example"})
    [refusal] = mailoutbox
    assert refusal.to == ["dag@oldmail.example"]
    assert "/recovery/" in refusal.body
    assert "/accounts/password/reset/key/" not in refusal.body

    # 2. dag files a ticket with the repository as evidence.
    assert client.get("/recovery/").status_code == 200
    response = client.post(
        "/recovery/",
        {
            "account": "dag",
            "contact_email": "dag@newmail.example",
            "lost": ["password", "email_access"],
            "repository_urls": ATTEST_REPOSITORY,
            "projects": "Attest",
            "last_sign_in": "2021-06-01",
            "other_evidence": "My GitHub account dag-dev owns the repository.",
            "agree_code_of_conduct": "on",
            "acknowledge_review_time": "on",
        },
        REMOTE_ADDR="198.51.100.23",
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    [confirm] = mails_to(mailoutbox, "dag@newmail.example")
    assert ticket.reference in confirm.subject

    # 3. dag verifies the contact email; the ticket reaches staff. dag has no verified
    # address, so there is nobody else to warn.
    assert client.post(link_in(confirm, "verify")).status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    received = mails_to(mailoutbox, "dag@newmail.example")[-1]
    assert ticket.reference in received.subject and "support staff" in received.body
    assert {address for m in mailoutbox for address in m.to} == {
        "dag@oldmail.example",
        "dag@newmail.example",
    }

    # 4. A support-staff member (not superuser, with 2FA) reviews it: the repository matches.
    support = make_support_staff(username="sam-support", email="sam@wharf.example")
    assert not support.is_superuser
    staff = Client()  # signs in like anyone: password, then the authenticator app's code
    staff.post("/accounts/login/", {"login": "sam-support", "password": PASSWORD})
    assert staff.get("/admin/recovery/ticket/").status_code == 302  # half signed in
    code = pyotp.parse_uri(TOTPDevice.objects.get(user=support).config_url).now()
    assert staff.post("/accounts/two-factor/", {"method": "totp", "code": code}).status_code == 302
    listing = staff.get("/admin/recovery/ticket/?status__exact=open")
    assert ticket.reference in listing.content.decode()
    page = staff.get(f"/admin/recovery/ticket/{ticket.pk}/change/").content.decode()
    assert "The repository matches, but anyone can read that" in page
    assert f"{ATTEST_REPOSITORY} is listed by Attest 1.0" in page
    assert "Attest: Owner" in page
    [approve_url] = re.findall(r'action="([^"]+/approve/)"', page)

    # 5. The repository URL and project name are public: nothing the system checked backs the
    # claim, so approval is refused (issue 14 #2) and the page says how to get a proof.
    assert "Proofs the system checked" in page and "none" in page
    approval = {
        "remedies": ["set_contact_email"],
        "reason": "Repository listed by Attest's metadata is the one dag named.",
    }
    refused = staff.post(approve_url, approval, follow=True).content.decode()
    assert "Nothing the system checked supports this claim" in refused
    assert "repository challenge" in refused and "four eyes" in refused
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN

    # A second support staff member reviews it too and vouches (four eyes); then sam approves.
    second = Client()
    login_verified(second, make_support_staff(username="kim-support", email="kim@wharf.example"))
    response = second.post(
        f"/admin/recovery/ticket/{ticket.pk}/act/endorse/",
        {"reason": "Checked the repository history: dag-dev made every commit."},
    )
    assert response.status_code == 302
    page = staff.get(f"/admin/recovery/ticket/{ticket.pk}/change/").content.decode()
    assert "A second staff member (kim-support) approved the recovery (four eyes)." in page
    mailoutbox.clear()
    response = staff.post(approve_url, approval)
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.APPROVED
    [approved] = mailoutbox
    assert approved.to == ["dag@newmail.example"] and "approved" in approved.body
    assert ticket.events.get(action="approved").actor == support

    # 6. Nothing happens during the waiting period; after it, the recovery completes.
    with django_capture_on_commit_callbacks(execute=True):
        process_recovery_tickets.delay()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.APPROVED
    Ticket.objects.filter(pk=ticket.pk).update(
        approved_at=timezone.now() - timedelta(hours=25),
        effective_at=timezone.now() - timedelta(hours=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        process_recovery_tickets.delay()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.COMPLETED
    primary = EmailAddress.objects.get(user=dag, primary=True)
    assert (primary.email, primary.verified) == ("dag@newmail.example", True)

    # 7. dag sets a new password through the one-time link and signs in.
    [set_password] = [m for m in mailoutbox if "set your new password" in m.subject]
    assert set_password.to == ["dag@newmail.example"]
    dag_browser = Client()
    response = dag_browser.post(
        link_in(set_password, "password"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    response = dag_browser.post("/accounts/login/", {"login": "dag", "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert dag_browser.get("/manage/account/").status_code == 200

    # 8. dag invites a new maintainer to Attest.
    maya = UserFactory(username="maya", email="maya@example.com", verified=True)
    mailoutbox.clear()
    response = dag_browser.post(
        "/manage/project/attest/collaboration/",
        {"action": "invite", "username": "maya", "role": "Maintainer"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Invitation sent to maya." in response.content.decode()
    invitation = RoleInvitation.objects.get(project__normalized_name="attest")
    assert (invitation.invitee, invitation.inviter, invitation.role) == (maya, dag, "Maintainer")
    assert any("maya@example.com" in m.to for m in mailoutbox)

    # The whole story is on the ticket.
    actions = list(ticket.events.values_list("action", flat=True))
    assert actions == [
        "created",
        "verification_sent",
        "contact_verified",
        "endorsed",
        "approved",
        "completed",
        "password_set",
    ]
