"""Support staff's side of recovery: review, question, challenge, decide (four eyes if needed)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.events import record_event
from accounts.models import User
from accounts.twofactor import user_has_two_factor
from core.errors import Conflict, NotAllowed, WharfError
from core.permissions import Action, can

from .. import challenge as challenge_http
from .. import emails
from ..models import RepositoryChallenge, Ticket, TicketEvent
from ..proofs import ENDORSED, NO_PROOF, proofs_held
from .shared import (
    Actor,
    Purpose,
    Status,
    _expire_links,
    _issue_link,
    _lock,
    _log,
    _require,
    _require_reviewable,
    _set_status,
    _warn_owner,
)


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


def _require_may_decide(ticket: Ticket, staff: User) -> None:
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


@transaction.atomic
def ticket_endorse(*, ticket: Ticket, staff: User, reason: str) -> TicketEvent:
    """A staff member vouches for the claim: the second pair of eyes another approver needs."""
    _require(staff, Action.RECOVERY_APPROVE)
    ticket = _lock(ticket)
    _require_reviewable(ticket, "approved")
    _require_may_decide(ticket, staff)
    if not reason.strip():
        raise WharfError("Say why you vouch for the claim (which evidence); it is audited.")
    return _log(ticket, actor_kind=Actor.STAFF, actor=staff, action=ENDORSED, reason=reason.strip())


def waiting_period(account: User):
    """How long an approval waits: longer when the account has a second factor."""
    if user_has_two_factor(account):
        return settings.RECOVERY_WAITING_PERIOD_TWO_FACTOR
    return settings.RECOVERY_WAITING_PERIOD


def unanswered_question(ticket: Ticket):
    """The staff question the claimant has not answered yet (its event), or None."""
    if ticket.status != Status.INFO_REQUESTED:
        return None
    return ticket.events.filter(action="info_requested").last()


@transaction.atomic
def ticket_approve(
    *,
    ticket: Ticket,
    staff: User,
    remedies: Iterable[str],
    reason: str,
    without_answer: bool = False,
) -> Ticket:
    """Approve with remedies; they take effect after the waiting period unless the owner cancels.

    Needs a proof the system checked (recovery.proofs). Whatever staff tick, completion also
    revokes every API token and session, and removes the second factors the claimant lost.
    While a question to the claimant is unanswered, approving needs without_answer.
    """
    _require(staff, Action.RECOVERY_APPROVE)
    ticket = _lock(ticket)
    _require_reviewable(ticket, "approved")
    question = unanswered_question(ticket)
    if question is not None and not without_answer:
        raise Conflict(
            f"The claimant has not answered the question sent {question.created:%Y-%m-%d %H:%M} "
            "UTC yet: wait for the answer, or tick “Approve without the claimant's answer”."
        )
    remedies = set(remedies)
    unknown = remedies - set(Ticket.Remedy.values)
    if unknown:
        raise WharfError(f"Unknown remedies {sorted(unknown)}; choose from the listed ones.")
    _require_may_decide(ticket, staff)
    if not reason.strip():
        raise WharfError("Say why you approve (which evidence convinced you); it is audited.")
    proofs = proofs_held(ticket, approver=staff)
    if not proofs:
        raise Conflict(NO_PROOF)
    remedies.add(Ticket.Remedy.REVOKE_TOKENS)
    if Ticket.Lost.TWO_FACTOR in ticket.lost or Ticket.Lost.COMPROMISED in ticket.lost:
        remedies.add(Ticket.Remedy.REMOVE_TWO_FACTOR)
    remedies = sorted(remedies)
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
        effective_at=now + waiting_period(ticket.account),
    )
    _log(
        ticket,
        actor_kind=Actor.STAFF,
        actor=staff,
        action="approved",
        reason=reason.strip(),
        remedies=remedies,
        proofs=proofs,
        effective_at=ticket.effective_at.isoformat(),
    )
    record_event(
        user=ticket.account,
        tag="account:recovery:approved",
        reference=ticket.reference,
        remedies=remedies,
        actor=staff.username,
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
