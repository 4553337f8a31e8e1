"""Support staff cannot use recovery to take over an admin account, or decide their own."""

from __future__ import annotations

import pytest

from recovery.models import Ticket
from tests.conftest import login_verified
from tests.factories import TicketFactory, UserFactory
from tests.recovery.helpers import vouch

pytestmark = pytest.mark.django_db


def approve(client, ticket):
    return client.post(
        f"/admin/recovery/ticket/{ticket.pk}/act/approve/",
        {"remedies": ["set_contact_email", "remove_two_factor"], "reason": "evidence ok"},
    )


@pytest.mark.parametrize("kind", ["staff", "superuser"])
def test_support_staff_cannot_approve_recovery_of_a_staff_account(support_client, kind):
    admin_account = UserFactory(
        verified=True, staff=True, is_superuser=kind == "superuser", with_totp=True
    )
    ticket = TicketFactory(account=admin_account, contact_email="thief@claim.example")
    response = approve(support_client, ticket)
    assert response.status_code == 403
    page = response.content.decode()
    assert "is a staff account: only a superuser can approve" in page
    assert "Assign the ticket to a superuser" in page
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN


def test_support_staff_cannot_approve_a_ticket_for_their_own_account(support_client, support):
    ticket = TicketFactory(account=support, contact_email="other@claim.example")
    response = approve(support_client, ticket)
    assert response.status_code == 403
    assert "another support staff member must decide it" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN


def test_a_superuser_may_approve_recovery_of_a_staff_account(client):
    superuser = UserFactory(verified=True, staff=True, is_superuser=True, with_totp=True)
    login_verified(client, superuser)
    staff_account = UserFactory(verified=True, staff=True)
    ticket = TicketFactory(account=staff_account, contact_email="new@claim.example")
    vouch(ticket, superuser=True)
    assert approve(client, ticket).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.APPROVED


def test_support_staff_still_approve_ordinary_accounts(support_client, owner):
    ticket = TicketFactory(account=owner, contact_email="new@claim.example")
    vouch(ticket)
    assert approve(support_client, ticket).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.APPROVED
