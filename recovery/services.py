"""Every write of account recovery: one transaction each, audited, mail queued on commit."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django_otp import devices_for_user

from accounts.events import client_ip, client_user_agent, record_event
from accounts.models import User
from core.errors import Conflict, NotAllowed, NotFound, WharfError
from core.permissions import Action, can, require

from . import challenge as challenge_http
from . import emails
from .models import RepositoryChallenge, Ticket, TicketEvent, TicketLink, hash_secret
from .permissions import SUPPORT_STAFF_GROUP

Status = Ticket.Status
Purpose = TicketLink.Purpose
Actor = TicketEvent.Actor

_LINK_URL_NAMES = {
    Purpose.VERIFY_CONTACT: "recovery:verify",
    Purpose.CANCEL: "recovery:cancel",
    Purpose.ANSWER: "recovery:answer",
    Purpose.SET_PASSWORD: "recovery:set_password",
}
_LINK_ERRORS = {
    Purpose.VERIFY_CONTACT: (
        "This confirmation link has expired or was already used. If you confirmed already, "
        "nothing more is needed; otherwise file a new request at /recovery/."
    ),
    Purpose.CANCEL: (
        "This cancel link has expired or was already used. If someone is still trying to "
        "recover your account, sign in and change your password, or use the newest link "
        "we emailed you."
    ),
    Purpose.ANSWER: (
        "This answer link has expired or was already used. Use the link in the newest email "
        "about your request, or file a new request at /recovery/."
    ),
    Purpose.SET_PASSWORD: (
        'This password link has expired or was already used. Use "Forgot password" with '
        "the address we wrote to, or file a new request at /recovery/ quoting your reference."
    ),
}


# --- Helpers shared by the services ---------------------------------------------------------
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
    return settings.SITE_URL + reverse(_LINK_URL_NAMES[purpose], args=[f"{public_id}.{secret}"])


def link_lookup(*, token: str, purpose: str) -> TicketLink:
    """The usable link a token names (for the confirmation page); 404 otherwise."""
    public_id, _, secret = token.partition(".")
    link = (
        TicketLink.objects.select_related("ticket")
        .filter(public_id=public_id, purpose=purpose)
        .first()
    )
    if link is None or not link.matches(secret) or not link.is_usable:
        raise NotFound(_LINK_ERRORS[purpose])
    return link


def _consume_link(*, token: str, purpose: str) -> tuple[TicketLink, Ticket]:
    """Use a link once (inside the caller's transaction) and lock its ticket."""
    link = link_lookup(token=token, purpose=purpose)
    link = TicketLink.objects.select_for_update().get(pk=link.pk)
    if not link.is_usable:  # used by a concurrent request
        raise NotFound(_LINK_ERRORS[purpose])
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
    """Mail every verified address of the account a fresh "this wasn't me" link."""
    for address in ticket.account.verified_emails:
        url = _issue_link(
            ticket=ticket,
            purpose=Purpose.CANCEL,
            sent_to=address,
            lifetime=settings.RECOVERY_CANCEL_LINK_LIFETIME,
        )
        emails.send_owner_warning_email(ticket=ticket, address=address, cancel_url=url)


# --- Claimant ---------------------------------------------------------------------------------
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
            "file a new request at /recovery/ if you still need help."
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


@transaction.atomic
def ticket_answer(*, token: str, answer: str, request: HttpRequest | None = None) -> Ticket:
    """The claimant answers staff's question; the ticket goes back to the review queue."""
    _, ticket = _consume_link(token=token, purpose=Purpose.ANSWER)
    if ticket.status != Status.INFO_REQUESTED:
        raise Conflict(
            f"Request {ticket.reference} is {ticket.get_status_display().lower()} and no longer "
            "waits for an answer."
        )
    _set_status(ticket, Status.OPEN)
    _log(ticket, actor_kind=Actor.CLAIMANT, action="answered", reason=answer, request=request)
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
    user.set_password(password)
    user.save(update_fields=["password"])
    _log(ticket, actor_kind=Actor.CLAIMANT, action="password_set", request=request)
    record_event(
        user=user, tag="account:recovery:password_set", request=request, reference=ticket.reference
    )
    return user


# --- Staff ------------------------------------------------------------------------------------
@transaction.atomic
def ticket_assign(*, ticket: Ticket, staff: User, assignee: User | None) -> Ticket:
    """Assign the ticket to a staff member (or nobody)."""
    _require(staff, Action.RECOVERY_REVIEW)
    ticket = _lock(ticket)
    if assignee is not None and not can(assignee, Action.RECOVERY_VIEW):
        raise WharfError(
            f"{assignee} cannot review recovery tickets; choose a support staff member."
        )
    ticket.assigned_to = assignee
    ticket.updated = timezone.now()
    ticket.save(update_fields=["assigned_to", "updated"])
    _log(
        ticket,
        actor_kind=Actor.STAFF,
        actor=staff,
        action="assigned",
        assignee=assignee.username if assignee else None,
    )
    return ticket


@transaction.atomic
def ticket_add_note(*, ticket: Ticket, staff: User, note: str) -> TicketEvent:
    """An internal note, seen by staff only."""
    _require(staff, Action.RECOVERY_REVIEW)
    if not note.strip():
        raise WharfError("The note is empty; write what you found or decided.")
    return _log(ticket, actor_kind=Actor.STAFF, actor=staff, action="note", reason=note.strip())


@transaction.atomic
def ticket_request_info(*, ticket: Ticket, staff: User, question: str) -> Ticket:
    """Ask the claimant a question; they answer through a one-time link."""
    _require(staff, Action.RECOVERY_REVIEW)
    ticket = _lock(ticket)
    _require_reviewable(ticket, "asked for more information")
    if not question.strip():
        raise WharfError("Write the question the claimant should answer.")
    _expire_links(ticket, Purpose.ANSWER)
    url = _issue_link(
        ticket=ticket,
        purpose=Purpose.ANSWER,
        sent_to=ticket.contact_email,
        lifetime=settings.RECOVERY_LINK_LIFETIME,
    )
    _set_status(ticket, Status.INFO_REQUESTED)
    _log(
        ticket,
        actor_kind=Actor.STAFF,
        actor=staff,
        action="info_requested",
        reason=question.strip(),
    )
    emails.send_info_requested_email(ticket=ticket, question=question.strip(), url=url)
    return ticket


@transaction.atomic
def ticket_reject(*, ticket: Ticket, staff: User, reason: str) -> Ticket:
    """Refuse the request (also during the waiting period); the claimant is told why."""
    _require(staff, Action.RECOVERY_REVIEW)
    ticket = _lock(ticket)
    if ticket.status not in (*Ticket.REVIEWABLE, Status.APPROVED):
        _require_reviewable(ticket, "rejected")
    if not reason.strip():
        raise WharfError("Give the reason for the rejection; the claimant receives it.")
    _set_status(ticket, Status.REJECTED)
    _expire_links(ticket)
    _log(ticket, actor_kind=Actor.STAFF, actor=staff, action="rejected", reason=reason.strip())
    emails.send_status_email(
        ticket=ticket, headline="Your recovery request was rejected.", reason=reason.strip()
    )
    return ticket


@transaction.atomic
def ticket_mark_spam(*, ticket: Ticket, staff: User, reason: str = "") -> Ticket:
    """Close an abusive or nonsense request."""
    _require(staff, Action.RECOVERY_REVIEW)
    ticket = _lock(ticket)
    if ticket.is_final:
        raise Conflict(f"Ticket {ticket.reference} is already closed.")
    _set_status(ticket, Status.SPAM)
    _expire_links(ticket)
    _log(ticket, actor_kind=Actor.STAFF, actor=staff, action="marked_spam", reason=reason.strip())
    emails.send_status_email(ticket=ticket, headline="Your recovery request was closed.")
    return ticket


@transaction.atomic
def ticket_approve(*, ticket: Ticket, staff: User, remedies: Iterable[str], reason: str) -> Ticket:
    """Approve with remedies; they take effect after the waiting period unless the owner cancels."""
    _require(staff, Action.RECOVERY_APPROVE)
    ticket = _lock(ticket)
    _require_reviewable(ticket, "approved")
    remedies = sorted(set(remedies))
    unknown = set(remedies) - set(Ticket.Remedy.values)
    if unknown:
        raise WharfError(f"Unknown remedies {sorted(unknown)}; choose from the listed ones.")
    if ticket.account is None:
        raise WharfError("No account matches this ticket, so nothing can be recovered; reject it.")
    if ticket.account_id == staff.pk:
        raise NotAllowed(
            "This ticket claims your own account: another support staff member must decide it."
        )
    if (ticket.account.is_staff or ticket.account.is_superuser) and not staff.is_superuser:
        # Support staff must not be able to hand themselves (or anyone) an admin account.
        raise NotAllowed(
            f"{ticket.account.username} is a staff account: only a superuser can approve its "
            "recovery. Assign the ticket to a superuser."
        )
    if not reason.strip():
        raise WharfError("Say why you approve (which evidence convinced you); it is audited.")
    if Ticket.Remedy.SET_CONTACT_EMAIL in remedies:
        taken = (
            EmailAddress.objects.filter(email__iexact=ticket.contact_email)
            .exclude(user=ticket.account)
            .exists()
        )
        if taken:
            raise WharfError(
                f"{ticket.contact_email} belongs to another account; approve without making "
                "it the primary address, or ask the claimant for another contact address."
            )
    now = timezone.now()
    _set_status(
        ticket,
        Status.APPROVED,
        remedies=remedies,
        approved_at=now,
        effective_at=now + settings.RECOVERY_WAITING_PERIOD,
    )
    _log(
        ticket,
        actor_kind=Actor.STAFF,
        actor=staff,
        action="approved",
        reason=reason.strip(),
        remedies=remedies,
        effective_at=ticket.effective_at.isoformat(),
    )
    record_event(
        user=ticket.account,
        tag="account:recovery:approved",
        reference=ticket.reference,
        remedies=remedies,
        effective_at=ticket.effective_at.isoformat(),
    )
    _warn_owner(ticket)
    emails.send_status_email(
        ticket=ticket,
        headline=(
            "Your recovery request was approved. For your protection it takes effect after a "
            f"waiting period, on {ticket.effective_at:%Y-%m-%d %H:%M} UTC; then we send you a "
            "link to set a new password."
        ),
    )
    return ticket


@transaction.atomic
def ticket_complete(*, ticket_id: int) -> Ticket:
    """Apply an approved ticket's remedies once its waiting period passed (safe to re-run)."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
    if ticket.status != Status.APPROVED or ticket.effective_at > timezone.now():
        return ticket
    user = User.objects.select_for_update().get(pk=ticket.account_id)
    applied: dict[str, object] = {}
    taken = (
        EmailAddress.objects.filter(email__iexact=ticket.contact_email, verified=True)
        .exclude(user=user)
        .exists()
    )
    if Ticket.Remedy.SET_CONTACT_EMAIL in ticket.remedies and taken:
        # Verified on another account since approval (often the claimant's new account):
        # an address belongs to one account, so the rest of the recovery goes ahead without it.
        applied["primary_email_skipped"] = f"{ticket.contact_email} is verified on another account"
    elif Ticket.Remedy.SET_CONTACT_EMAIL in ticket.remedies:
        EmailAddress.objects.filter(user=user).update(primary=False)
        address = EmailAddress.objects.filter(user=user, email__iexact=ticket.contact_email).first()
        if address is None:
            address = EmailAddress(user=user, email=ticket.contact_email)
        address.verified = True
        address.primary = True
        address.save()
        user.email = address.email
        applied["primary_email"] = address.email
    if Ticket.Remedy.REMOVE_TWO_FACTOR in ticket.remedies:
        removed = []
        for device in devices_for_user(user, confirmed=None):
            removed.append(f"{type(device).__name__}:{device.name}")
            device.delete()
        applied["removed_devices"] = removed
    if Ticket.Remedy.REVOKE_TOKENS in ticket.remedies:
        from tokens.models import Token
        from tokens.services import token_revoke

        revoked = []
        for token in Token.objects.filter(user=user, revoked_at__isnull=True):
            token_revoke(token=token, by=user, reason=f"account recovery {ticket.reference}")
            revoked.append(token.public_id)
        applied["revoked_tokens"] = revoked
    # A new password hash changes every session's auth hash: all sessions of the account end.
    user.set_unusable_password()
    user.save()
    url = _issue_link(
        ticket=ticket,
        purpose=Purpose.SET_PASSWORD,
        sent_to=ticket.contact_email,
        lifetime=settings.RECOVERY_PASSWORD_LINK_LIFETIME,
    )
    _set_status(ticket, Status.COMPLETED)
    _log(ticket, actor_kind=Actor.SYSTEM, action="completed", **applied)
    record_event(user=user, tag="account:recovery:completed", reference=ticket.reference, **applied)
    made_primary = "primary_email" in applied
    emails.send_recovery_completed_email(
        ticket=ticket, user=user, contact_made_primary=made_primary
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
            "File a new request at /recovery/ if you still need help."
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


# --- Repository challenge ----------------------------------------------------------------------
@transaction.atomic
def challenge_send(*, ticket: Ticket, staff: User, repository_url: str) -> RepositoryChallenge:
    """Ask the claimant to publish a nonce in the claimed repository."""
    _require(staff, Action.RECOVERY_REVIEW)
    ticket = _lock(ticket)
    _require_reviewable(ticket, "challenged")
    challenge = RepositoryChallenge.objects.create(
        ticket=ticket,
        repository_url=repository_url.strip(),
        fetch_url=challenge_http.challenge_file_url(repository_url),
        nonce=f"wharf-recovery-{secrets.token_hex(16)}",
        created_by=staff,
    )
    _log(
        ticket,
        actor_kind=Actor.STAFF,
        actor=staff,
        action="challenge_sent",
        repository_url=challenge.repository_url,
        fetch_url=challenge.fetch_url,
    )
    emails.send_challenge_email(ticket=ticket, challenge=challenge)
    return challenge


def challenge_check(*, challenge: RepositoryChallenge, staff: User) -> RepositoryChallenge:
    """Fetch the challenge file and record whether it holds the nonce."""
    _require(staff, Action.RECOVERY_REVIEW)
    # The fetch happens outside the transaction: no lock is held while waiting on the network.
    try:
        text = challenge_http.fetch_text(challenge.fetch_url)
        matched = challenge_http.nonce_matches(text, challenge.nonce)
        result = "the file holds the code" if matched else "the file does not hold the code"
    except challenge_http.ChallengeFetchError as error:
        matched, result = False, error.message
    with transaction.atomic():
        challenge = RepositoryChallenge.objects.select_for_update().get(pk=challenge.pk)
        challenge.checked_at = timezone.now()
        challenge.matched = matched
        challenge.result = result[:500]
        challenge.save(update_fields=["checked_at", "matched", "result"])
        _log(
            challenge.ticket,
            actor_kind=Actor.STAFF,
            actor=staff,
            action="challenge_checked",
            matched=matched,
            result=challenge.result,
            fetch_url=challenge.fetch_url,
        )
    return challenge
