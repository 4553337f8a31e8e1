"""The periodic sweep of recovery: complete waited-out approvals, close stale tickets, remind."""

from __future__ import annotations

from datetime import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts import services as account_services
from accounts.events import record_event
from accounts.models import User
from tokens import services as token_services

from .. import emails
from ..models import Ticket
from ..permissions import SUPPORT_STAFF_GROUP
from .shared import (
    Actor,
    Purpose,
    Status,
    _expire_links,
    _issue_link,
    _log,
    _new_request_hint,
    _set_status,
)


def _approver(ticket: Ticket) -> User | None:
    """The staff member whose approval is taking effect: the actor of what it does."""
    approval = ticket.events.filter(action="approved").select_related("actor").last()
    return approval.actor if approval is not None else None


@transaction.atomic
def ticket_complete(*, ticket_id: int) -> Ticket:
    """Apply an approved ticket once its waiting period passed (safe to re-run).

    Always: every API token revoked, every session ended, the password made unusable (the
    claimant sets one through a link) and every address the account had told. Then the
    remedies: the factors the claimant lost removed, the contact address made primary. Each
    change goes through the owning app's service with the approving staff member as actor.
    """
    ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
    if ticket.status != Status.APPROVED or ticket.effective_at > timezone.now():
        return ticket
    user = User.objects.select_for_update().get(pk=ticket.account_id)
    staff = _approver(ticket)
    why = f"account recovery {ticket.reference}"
    old_addresses = sorted(
        {a.lower() for a in EmailAddress.objects.filter(user=user).values_list("email", flat=True)}
        | ({user.email.lower()} if user.email else set())
    )
    applied: dict[str, object] = {}
    if Ticket.Remedy.SET_CONTACT_EMAIL in ticket.remedies:
        taken = (
            EmailAddress.objects.filter(email__iexact=ticket.contact_email, verified=True)
            .exclude(user=user)
            .exists()
        )
        if taken:
            # Verified on another account since approval (often the claimant's new account):
            # an address belongs to one account, so the rest of the recovery goes ahead.
            applied["primary_email_skipped"] = (
                f"{ticket.contact_email} is verified on another account"
            )
        else:
            applied["primary_email"] = account_services.email_set_primary_verified(
                user=user, email=ticket.contact_email, actor=staff, reason=why
            )
    if Ticket.Remedy.REMOVE_TWO_FACTOR in ticket.remedies:
        applied["removed_devices"] = account_services.two_factor_remove_all(
            user=user, actor=staff, reason=why
        )
    revoked = token_services.token_revoke_all(user=user, actor=staff, reason=why)
    applied["revoked_tokens"] = [token.public_id for token in revoked]
    account_services.password_disable(user=user, actor=staff, reason=why)
    applied["sessions_ended"] = account_services.sessions_end_all(
        user=user, actor=staff, reason=why
    )
    url = _issue_link(
        ticket=ticket,
        purpose=Purpose.SET_PASSWORD,
        sent_to=ticket.contact_email,
        lifetime=settings.RECOVERY_PASSWORD_LINK_LIFETIME,
    )
    _set_status(ticket, Status.COMPLETED)
    _log(ticket, actor_kind=Actor.SYSTEM, action="completed", actor=staff, **applied)
    record_event(
        user=user,
        tag="account:recovery:completed",
        reference=ticket.reference,
        actor=staff.username if staff else "system",
        **applied,
    )
    made_primary = "primary_email" in applied
    emails.send_recovery_completed_email(
        ticket=ticket, user=user, to=old_addresses, contact_made_primary=made_primary
    )
    emails.send_set_password_email(
        ticket=ticket,
        url=url,
        valid_hours=int(settings.RECOVERY_PASSWORD_LINK_LIFETIME.total_seconds() // 3600),
        contact_made_primary=made_primary,
    )
    return ticket


@transaction.atomic
def ticket_expire_unverified(*, ticket_id: int) -> Ticket:
    """Close a ticket whose contact email was never confirmed (safe to re-run)."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
    if ticket.status != Status.AWAITING_VERIFICATION:
        return ticket
    _set_status(ticket, Status.EXPIRED)
    _expire_links(ticket)
    _log(ticket, actor_kind=Actor.SYSTEM, action="expired_unverified")
    emails.send_status_email(
        ticket=ticket,
        headline=(
            "Your recovery request was closed because the contact address was never confirmed. "
            f"F{_new_request_hint()[1:]} if you still need help."
        ),
    )
    return ticket


def support_staff_addresses() -> list[str]:
    """Where reminders go: active members of the Support staff group."""
    users = User.objects.filter(
        Q(groups__name=SUPPORT_STAFF_GROUP) | Q(is_superuser=True), is_active=True, is_staff=True
    ).distinct()
    return [u.email for u in users if u.email]


@transaction.atomic
def tickets_remind_staff(*, now: datetime | None = None) -> list[Ticket]:
    """Remind support staff of open tickets nobody touched for too long (once per period)."""
    now = now or timezone.now()
    cutoff = now - settings.RECOVERY_STAFF_REMINDER_AFTER
    tickets = list(
        Ticket.objects.select_for_update()
        .filter(status=Status.OPEN, updated__lte=cutoff)
        .filter(Q(staff_reminded_at__isnull=True) | Q(staff_reminded_at__lte=cutoff))
        .order_by("created")
    )
    if not tickets:
        return []
    for ticket in tickets:
        ticket.staff_reminded_at = now
        ticket.save(update_fields=["staff_reminded_at"])
        _log(ticket, actor_kind=Actor.SYSTEM, action="staff_reminded")
    emails.send_staff_reminder_email(to=support_staff_addresses(), tickets=tickets)
    return tickets


def tickets_process_due() -> dict[str, int]:
    """The periodic sweep: close unverified tickets, complete waited-out ones, remind staff."""
    now = timezone.now()
    unverified = Ticket.objects.filter(
        status=Status.AWAITING_VERIFICATION,
        created__lte=now - settings.RECOVERY_UNVERIFIED_CLOSE_AFTER,
    ).values_list("pk", flat=True)
    due = Ticket.objects.filter(status=Status.APPROVED, effective_at__lte=now).values_list(
        "pk", flat=True
    )
    expired = [ticket_expire_unverified(ticket_id=pk) for pk in list(unverified)]
    completed = [ticket_complete(ticket_id=pk) for pk in list(due)]
    reminded = tickets_remind_staff(now=now)
    return {"expired": len(expired), "completed": len(completed), "reminded": len(reminded)}
