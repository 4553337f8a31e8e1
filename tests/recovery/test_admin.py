from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from recovery.models import Ticket, TicketEvent
from recovery.permissions import SUPPORT_STAFF_GROUP
from tests.conftest import login_verified
from tests.factories import TicketFactory, UserFactory
from tests.recovery.conftest import ATTEST_REPOSITORY
from tests.recovery.helpers import link_in, mails_to, vouch

pytestmark = pytest.mark.django_db


def act_direct(client: Client, ticket: Ticket, action: str, **data):
    """POST an action without its button (what a forged request would do)."""
    return client.post(f"/admin/recovery/ticket/{ticket.pk}/act/{action}/", data)


def act(client: Client, ticket: Ticket, action: str, **data):
    """Press the action's button on the ticket page: post to the form's own URL."""
    page = client.get(f"/admin/recovery/ticket/{ticket.pk}/change/").content.decode()
    [url] = re.findall(rf'<form method="post" action="([^"]+/act/{action}/)"', page)
    return client.post(url, data)


def test_support_staff_group_holds_only_recovery_and_takedown_permissions(support):
    group = Group.objects.get(name=SUPPORT_STAFF_GROUP)
    perms = sorted(f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all())
    assert perms == [
        "packages.takedown",
        "recovery.approve_ticket",
        "recovery.review_ticket",
        "recovery.view_ticket",
    ]
    assert not support.is_superuser
    assert not support.has_perm("accounts.change_user")


def test_ticket_list_shows_status_age_filters_and_search(support_client, dag):
    TicketFactory(account=dag, contact_email="dag@newmail.example")
    TicketFactory(account=None, claimed_account="ghost", status="rejected")
    response = support_client.get("/admin/recovery/ticket/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Open" in body and "Rejected" in body and "age" in body
    filtered = support_client.get("/admin/recovery/ticket/?status__exact=open")
    assert "dag@newmail.example" in filtered.content.decode()
    assert "ghost" not in filtered.content.decode()
    searched = support_client.get("/admin/recovery/ticket/?q=ghost")
    assert "ghost" in searched.content.decode()
    assert "dag@newmail.example" not in searched.content.decode()
    unmatched = support_client.get("/admin/recovery/ticket/?matched=no")
    assert "ghost" in unmatched.content.decode()


def test_ticket_page_shows_claim_checks_and_account(support_client, dag):
    ticket = TicketFactory(
        account=dag, repository_urls=[ATTEST_REPOSITORY + ".git"], claimed_projects=["attest"]
    )
    response = support_client.get(f"/admin/recovery/ticket/{ticket.pk}/change/")
    assert response.status_code == 200
    body = response.content.decode()
    assert ticket.reference in body
    assert "The repository matches, but anyone can read that on the project pages" in body
    assert 'class="verdict-weak">weak</span> 1 of 1 confirmed, but anyone' in body
    assert "attest: Owner" in body
    assert "dag@oldmail.example · unverified" in body
    assert "Attest: Owner" in body
    assert 'name="_save"' not in body  # read-only: no edit form
    assert "Password" in body  # what was lost, as words
    assert f'href="{ATTEST_REPOSITORY}.git" rel="noopener noreferrer"' in body


def test_ticket_page_escapes_claimant_text(support_client, dag):
    ticket = TicketFactory(
        account=dag,
        repository_urls=['https://x.example/"><script>alert(1)</script>'],
        other_evidence="<img src=x onerror=alert(2)>",
    )
    body = support_client.get(f"/admin/recovery/ticket/{ticket.pk}/change/").content.decode()
    assert "<script>alert(1)" not in body
    assert "<img src=x" not in body


def test_staff_without_recovery_permission_cannot_see_tickets(client, dag):
    other_staff = UserFactory(verified=True, staff=True, with_totp=True)
    login_verified(client, other_staff)
    ticket = TicketFactory(account=dag)
    assert client.get("/admin/recovery/ticket/").status_code == 403
    assert client.get(f"/admin/recovery/ticket/{ticket.pk}/change/").status_code in (302, 403)
    assert act_direct(client, ticket, "note", note="hi").status_code == 403


def test_support_user_without_approve_permission_cannot_approve(client, dag, mailoutbox):
    reviewers = Group.objects.create(name="Reviewers")
    reviewers.permissions.set(
        Permission.objects.filter(codename__in=["view_ticket", "review_ticket"])
    )
    reviewer = UserFactory(verified=True, staff=True, with_totp=True)
    reviewer.groups.add(reviewers)
    login_verified(client, reviewer)
    ticket = TicketFactory(account=dag)
    page = client.get(f"/admin/recovery/ticket/{ticket.pk}/change/")
    assert b"/act/approve/" not in page.content
    response = act_direct(
        client, ticket, "approve", remedies=["set_contact_email"], reason="looks ok"
    )
    assert response.status_code == 403
    assert b"ask an administrator to add you to the Support staff group" in response.content
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert not ticket.events.filter(action="approved").exists()
    assert mailoutbox == []


def test_admin_requires_second_factor_for_support_staff(client, support):
    client.force_login(support, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/admin/recovery/ticket/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_every_staff_action_is_audited_and_mailed(support_client, support, dag, mailoutbox):
    ticket = TicketFactory(account=dag, contact_email="dag@newmail.example")
    assert act(support_client, ticket, "assign", assignee=support.pk).status_code == 302
    assert (
        act(support_client, ticket, "note", note="Repo matches; ask one question.").status_code
        == 302
    )
    assert mailoutbox == []  # assignment and notes are internal

    act(support_client, ticket, "request_info", question="Which CI do you use?")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.INFO_REQUESTED
    [question] = mailoutbox
    assert question.to == ["dag@newmail.example"]
    assert ticket.reference in question.subject and "Which CI do you use?" in question.body

    # The claimant answers through the one-time link (no sign-in).
    answer_path = link_in(question, "answer")
    anonymous = Client()
    assert b"Which CI do you use?" in anonymous.get(answer_path).content
    response = anonymous.post(answer_path, {"answer": "GitHub Actions"})
    assert response.status_code == 200
    assert anonymous.post(answer_path, {"answer": "again"}).status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert "We received your answer" in mailoutbox[-1].body

    act(support_client, ticket, "reject", reason="The repository belongs to someone else.")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.REJECTED
    rejected = mailoutbox[-1]
    assert rejected.to == ["dag@newmail.example"] and ticket.reference in rejected.subject
    assert "The repository belongs to someone else." in rejected.body

    trail = list(ticket.events.filter(actor_kind=TicketEvent.Actor.STAFF))
    assert [(e.action, e.actor) for e in trail] == [
        ("assigned", support),
        ("note", support),
        ("info_requested", support),
        ("rejected", support),
    ]
    assert trail[1].reason == "Repo matches; ask one question."
    assert trail[3].reason == "The repository belongs to someone else."
    page = support_client.get(f"/admin/recovery/ticket/{ticket.pk}/change/").content.decode()
    for text in (
        "assigned",
        "Repo matches; ask one question.",
        "info_requested",
        "answered",
        "GitHub Actions",
        "rejected",
        "sam-support",
    ):
        assert text in page


def test_mark_spam_is_audited_and_mailed(support_client, support, dag, mailoutbox):
    ticket = TicketFactory(account=dag)
    act(support_client, ticket, "spam", reason="bot")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.SPAM
    assert ticket.events.get(action="marked_spam").actor == support
    [mail] = mailoutbox
    assert ticket.reference in mail.subject and "closed" in mail.body


def test_approve_requires_reason_and_explains(support_client, dag, mailoutbox):
    ticket = TicketFactory(account=dag)
    response = act(support_client, ticket, "approve", remedies=["set_contact_email"], reason="")
    assert response.status_code == 302
    page = support_client.get(response["Location"]).content.decode()
    assert "Say why you approve" in page
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert mailoutbox == []


def test_approve_unknown_account_ticket_is_refused(support_client):
    ticket = TicketFactory(account=None, claimed_account="ghost")
    response = act(support_client, ticket, "approve", reason="x")
    page = support_client.get(response["Location"]).content.decode()
    assert "No account matches this ticket" in page and "reject it" in page


def test_approve_shows_countdown_and_warns_owner(support_client, support, owner, mailoutbox):
    ticket = TicketFactory(account=owner, contact_email="new@claim.example")
    vouch(ticket)
    act(
        support_client,
        ticket,
        "approve",
        remedies=["set_contact_email", "revoke_tokens"],
        reason="Repository challenge matched.",
    )
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.APPROVED
    assert ticket.remedies == ["revoke_tokens", "set_contact_email"]
    assert ticket.events.get(action="approved").actor == support
    page = support_client.get(f"/admin/recovery/ticket/{ticket.pk}/change/").content.decode()
    assert "takes effect in: 23 h" in page
    listing = support_client.get("/admin/recovery/ticket/").content.decode()
    assert "23 h" in listing
    [claimant] = mails_to(mailoutbox, "new@claim.example")
    assert "approved" in claimant.body and ticket.reference in claimant.subject
    [warning] = mails_to(mailoutbox, "ruth@example.com")
    assert "was approved" in warning.subject
    assert link_in(warning, "cancel")


def test_approving_over_an_unanswered_question_is_warned_and_needs_a_tick(
    support_client, owner, mailoutbox
):
    ticket = TicketFactory(account=owner, contact_email="new@claim.example")
    vouch(ticket)
    act(support_client, ticket, "request_info", question="Which CI service publishes it?")
    page = support_client.get(f"/admin/recovery/ticket/{ticket.pk}/change/").content.decode()
    assert 'id="unanswered"' in page and "Which CI service publishes it?" in page
    assert "The claimant has not answered your question yet." in page  # in the confirmation

    act(support_client, ticket, "approve", reason="The challenge matched.")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.INFO_REQUESTED
    refused = support_client.get(f"/admin/recovery/ticket/{ticket.pk}/change/").content.decode()
    assert "has not answered the question sent" in refused and "wait for the answer" in refused

    act(
        support_client,
        ticket,
        "approve",
        reason="The challenge matched; the question no longer matters.",
        without_answer="on",
    )
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.APPROVED
