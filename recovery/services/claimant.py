"""The claimant's and the owner's side of recovery: filing, confirming, answering, cancelling."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import devices_for_user

from accounts import services as account_services
from accounts.events import client_ip, client_user_agent, record_event
from accounts.models import User
from core.errors import Conflict

from .. import emails
from ..models import Ticket
from .shared import (
    Actor,
    Purpose,
    Status,
    _consume_link,
    _expire_links,
    _issue_link,
    _log,
    _new_request_hint,
    _set_status,
    _warn_owner,
    find_account,
)


@transaction.atomic
def ticket_create(
    *,
    claimed_account: str,
    contact_email: str,
    lost: list[str],
    repository_urls: list[str],
    claimed_projects: list[str],
    claimed_last_sign_in: date | None,
    other_evidence: str,
    request: HttpRequest | None = None,
) -> Ticket:
    """File a request; the claimant must confirm the contact email before staff see it.

    A ticket is stored and the same mail sent whether or not the account exists, so the
    answer reveals nothing; a ticket without an account shows staff "no such account".
    """
    now = timezone.now()
    ticket = Ticket.objects.create(
        claimed_account=claimed_account.strip(),
        account=find_account(claimed_account),
        contact_email=contact_email.strip(),
        lost=list(lost),
        repository_urls=list(repository_urls),
        claimed_projects=list(claimed_projects),
        claimed_last_sign_in=claimed_last_sign_in,
        other_evidence=other_evidence,
        agreed_code_of_conduct_at=now,
        acknowledged_review_time_at=now,
        ip_address=client_ip(request),
        user_agent=client_user_agent(request),
    )
    _log(ticket, actor_kind=Actor.CLAIMANT, action="created", request=request)
    url = _issue_link(
        ticket=ticket,
        purpose=Purpose.VERIFY_CONTACT,
        sent_to=ticket.contact_email,
        lifetime=settings.RECOVERY_LINK_LIFETIME,
    )
    _set_status(ticket, Status.AWAITING_VERIFICATION)
    _log(ticket, actor_kind=Actor.SYSTEM, action="verification_sent", to=ticket.contact_email)
    emails.send_verify_contact_email(ticket=ticket, url=url)
    return ticket


@transaction.atomic
def ticket_verify_contact(*, token: str, request: HttpRequest | None = None) -> Ticket:
    """The claimant proved the contact email: the ticket opens and the owner is warned."""
    _, ticket = _consume_link(token=token, purpose=Purpose.VERIFY_CONTACT)
    if ticket.status != Status.AWAITING_VERIFICATION:
        raise Conflict(
            f"Request {ticket.reference} is {ticket.get_status_display().lower()}; "
            f"{_new_request_hint()} if you still need help."
        )
    _set_status(ticket, Status.OPEN, contact_verified_at=timezone.now())
    _log(ticket, actor_kind=Actor.CLAIMANT, action="contact_verified", request=request)
    if ticket.account is not None:
        record_event(
            user=ticket.account,
            tag="account:recovery:requested",
            request=request,
            reference=ticket.reference,
        )
        _warn_owner(ticket)
    emails.send_status_email(
        ticket=ticket,
        headline=(
            "Your email address is confirmed and your request is now with our support staff. "
            "Review can take several days; we will write to you at every step."
        ),
    )
    return ticket


@transaction.atomic
def ticket_cancel_by_owner(*, token: str, request: HttpRequest | None = None) -> Ticket:
    """The account's owner said "this wasn't me": the ticket is frozen for good."""
    link, ticket = _consume_link(token=token, purpose=Purpose.CANCEL)
    if ticket.status == Status.COMPLETED:
        raise Conflict(
            f"Recovery {ticket.reference} already took effect. If it wasn't you, reset your "
            "password from your address at once and contact support quoting the reference."
        )
    if ticket.is_final:
        return ticket
    _set_status(ticket, Status.CANCELLED)
    _expire_links(ticket)
    _log(
        ticket,
        actor_kind=Actor.OWNER,
        action="cancelled_by_owner",
        request=request,
        address=link.sent_to,
    )
    if ticket.account is not None:
        record_event(
            user=ticket.account,
            tag="account:recovery:cancelled",
            request=request,
            reference=ticket.reference,
        )
    emails.send_status_email(
        ticket=ticket,
        headline="The owner of the account cancelled this recovery request. It is closed.",
    )
    return ticket


def _factor_verifies(user: User, code: str) -> str | None:
    """The kind of the account's still-registered factor that accepts code, or None.

    django-otp throttles each device after a wrong code, so this cannot be used to guess.
    """
    code = "".join(code.split())
    if not code:
        return None
    for device in devices_for_user(user, confirmed=True):
        if device.verify_token(code):
            return type(device).__name__
    return None


@transaction.atomic
def ticket_answer(
    *, token: str, answer: str, code: str = "", request: HttpRequest | None = None
) -> Ticket:
    """The claimant answers staff's question; the ticket goes back to the review queue.

    A code from a second factor still registered on the account, given with the answer, is a
    proof the system checks: staff then see "second factor used".
    """
    _, ticket = _consume_link(token=token, purpose=Purpose.ANSWER)
    if ticket.status != Status.INFO_REQUESTED:
        raise Conflict(
            f"Request {ticket.reference} is {ticket.get_status_display().lower()} and no longer "
            "waits for an answer."
        )
    _set_status(ticket, Status.OPEN)
    _log(ticket, actor_kind=Actor.CLAIMANT, action="answered", reason=answer, request=request)
    if code.strip() and ticket.account is not None:
        kind = _factor_verifies(ticket.account, code)
        _log(
            ticket,
            actor_kind=Actor.SYSTEM,
            action="factor_verified" if kind else "factor_refused",
            request=request,
            device=kind or "",
        )
    emails.send_status_email(
        ticket=ticket, headline="We received your answer; the request is back with our staff."
    )
    return ticket


@transaction.atomic
def ticket_set_password(*, token: str, password: str, request: HttpRequest | None = None) -> User:
    """Set the recovered account's new password through the one-time link."""
    _, ticket = _consume_link(token=token, purpose=Purpose.SET_PASSWORD)
    if ticket.status != Status.COMPLETED or ticket.account is None:
        raise Conflict(f"Recovery {ticket.reference} is not completed; the link cannot be used.")
    user = User.objects.select_for_update().get(pk=ticket.account_id)
    account_services.password_set(user=user, password=password)
    _log(ticket, actor_kind=Actor.CLAIMANT, action="password_set", request=request)
    record_event(
        user=user, tag="account:recovery:password_set", request=request, reference=ticket.reference
    )
    return user
