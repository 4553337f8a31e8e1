"""What the recovery flows share: tokenized links, the ticket's audit trail, status changes."""

from __future__ import annotations

import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from accounts.events import client_ip
from accounts.models import User
from core.errors import Conflict, NotFound
from core.permissions import Action, require
from core.urls import absolute_url

from .. import emails
from ..models import Ticket, TicketEvent, TicketLink, hash_secret

Status = Ticket.Status
Purpose = TicketLink.Purpose
Actor = TicketEvent.Actor

_LINK_URL_NAMES = {
    Purpose.VERIFY_CONTACT: "recovery:verify",
    Purpose.CANCEL: "recovery:cancel",
    Purpose.ANSWER: "recovery:answer",
    Purpose.SET_PASSWORD: "recovery:set_password",
}


def _new_request_hint() -> str:
    return f"file a new request at {absolute_url('recovery:request')}"


def _link_error(purpose: str) -> str:
    if purpose == Purpose.VERIFY_CONTACT:
        return (
            "This confirmation link has expired or was already used. If you confirmed already, "
            f"nothing more is needed; otherwise {_new_request_hint()}."
        )
    if purpose == Purpose.CANCEL:
        return (
            "This cancel link has expired or was already used. If someone is still trying to "
            "recover your account, sign in and change your password, or use the newest link "
            "we emailed you."
        )
    if purpose == Purpose.ANSWER:
        return (
            "This answer link has expired or was already used. Use the link in the newest email "
            f"about your request, or {_new_request_hint()}."
        )
    return (
        'This password link has expired or was already used. Use "Forgot password" with '
        f"the address we wrote to, or {_new_request_hint()} quoting your reference."
    )


def find_account(identifier: str) -> User | None:
    """The account a username or any of its email addresses names, or None."""
    identifier = identifier.strip()
    if "@" in identifier:
        address = EmailAddress.objects.filter(email__iexact=identifier).first()
        if address is not None:
            return address.user
        return User.objects.filter(email__iexact=identifier).first()
    return User.objects.filter(username__iexact=identifier).first()


def _issue_link(*, ticket: Ticket, purpose: str, sent_to: str, lifetime: timedelta) -> str:
    """Store a new single-use link (hash only) and return its absolute URL."""
    public_id = secrets.token_urlsafe(12)
    secret = secrets.token_urlsafe(32)
    TicketLink.objects.create(
        ticket=ticket,
        purpose=purpose,
        public_id=public_id,
        secret_hash=hash_secret(secret),
        sent_to=sent_to,
        expires_at=timezone.now() + lifetime,
    )
    return absolute_url(_LINK_URL_NAMES[purpose], f"{public_id}.{secret}")


def link_lookup(*, token: str, purpose: str) -> TicketLink:
    """The usable link a token names (for the confirmation page); 404 otherwise."""
    public_id, _, secret = token.partition(".")
    link = (
        TicketLink.objects.select_related("ticket")
        .filter(public_id=public_id, purpose=purpose)
        .first()
    )
    if link is None or not link.matches(secret) or not link.is_usable:
        raise NotFound(_link_error(purpose))
    return link


def _consume_link(*, token: str, purpose: str) -> tuple[TicketLink, Ticket]:
    """Use a link once (inside the caller's transaction) and lock its ticket."""
    link = link_lookup(token=token, purpose=purpose)
    link = TicketLink.objects.select_for_update().get(pk=link.pk)
    if not link.is_usable:  # used by a concurrent request
        raise NotFound(_link_error(purpose))
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    return link, Ticket.objects.select_for_update().get(pk=link.ticket_id)


def _expire_links(ticket: Ticket, *purposes: str) -> None:
    links = TicketLink.objects.filter(ticket=ticket, used_at__isnull=True)
    if purposes:
        links = links.filter(purpose__in=purposes)
    links.update(expires_at=timezone.now())


def _log(
    ticket: Ticket,
    *,
    actor_kind: str,
    action: str,
    actor: User | None = None,
    reason: str = "",
    request: HttpRequest | None = None,
    **details,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        actor_kind=actor_kind,
        actor=actor,
        action=action,
        reason=reason,
        details=details,
        ip_address=client_ip(request),
    )


def _set_status(ticket: Ticket, status: str, **fields) -> None:
    now = timezone.now()
    ticket.status = status
    ticket.updated = now
    if status in Ticket.FINAL:
        ticket.closed_at = now
    for name, value in fields.items():
        setattr(ticket, name, value)
    ticket.save()


def _lock(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _require(staff: User, action: Action) -> None:
    require(staff, action)


def _require_reviewable(ticket: Ticket, doing: str) -> None:
    if ticket.status not in Ticket.REVIEWABLE:
        raise Conflict(
            f"Ticket {ticket.reference} is {ticket.get_status_display().lower()}; only open "
            f"tickets can be {doing}. Reload the ticket to see its current state."
        )


def _warn_owner(ticket: Ticket) -> None:
    """Mail every verified address of the account its own "this wasn't me" link."""
    for address in ticket.account.verified_emails:
        url = _issue_link(
            ticket=ticket,
            purpose=Purpose.CANCEL,
            sent_to=address,
            lifetime=settings.RECOVERY_CANCEL_LINK_LIFETIME,
        )
        emails.send_owner_warning_email(ticket=ticket, address=address, cancel_url=url)
