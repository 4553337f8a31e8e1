"""Recovery mail: one function per message; every claimant mail carries the ticket reference."""

from __future__ import annotations

from collections.abc import Iterable

from accounts.emails import send_templated_email
from accounts.models import User

from .models import RepositoryChallenge, Ticket


def send_verify_contact_email(*, ticket: Ticket, url: str) -> None:
    """Ask the claimant to confirm the contact address (same mail whether the account exists)."""
    send_templated_email(
        to=[ticket.contact_email],
        template="recovery_verify_contact",
        context={"ticket": ticket, "url": url},
    )


def send_owner_warning_email(*, ticket: Ticket, address: str, cancel_url: str) -> None:
    """Warn one verified address of the account, with its own "this wasn't me" link."""
    send_templated_email(
        to=[address],
        template="recovery_owner_warning",
        context={"ticket": ticket, "user": ticket.account, "cancel_url": cancel_url},
    )


def send_status_email(*, ticket: Ticket, headline: str, reason: str = "") -> None:
    """Tell the claimant the ticket changed status."""
    send_templated_email(
        to=[ticket.contact_email],
        template="recovery_status",
        context={"ticket": ticket, "headline": headline, "reason": reason},
    )


def send_info_requested_email(*, ticket: Ticket, question: str, url: str) -> None:
    send_templated_email(
        to=[ticket.contact_email],
        template="recovery_info_requested",
        context={"ticket": ticket, "question": question, "url": url},
    )


def send_challenge_email(*, ticket: Ticket, challenge: RepositoryChallenge) -> None:
    send_templated_email(
        to=[ticket.contact_email],
        template="recovery_challenge",
        context={"ticket": ticket, "challenge": challenge},
    )


def send_set_password_email(
    *, ticket: Ticket, url: str, valid_hours: int, contact_made_primary: bool
) -> None:
    send_templated_email(
        to=[ticket.contact_email],
        template="recovery_set_password",
        context={
            "ticket": ticket,
            "url": url,
            "valid_hours": valid_hours,
            "contact_made_primary": contact_made_primary,
        },
    )


def send_recovery_completed_email(
    *, ticket: Ticket, user: User, to: Iterable[str], contact_made_primary: bool
) -> None:
    """Security notice, once recovery took effect, to every address the account had before it
    (verified or not) and the ones it has now: whoever held the account learns of it."""
    send_templated_email(
        to=sorted({*to, *user.verified_emails}),
        template="recovery_completed",
        context={"ticket": ticket, "user": user, "contact_made_primary": contact_made_primary},
    )


def send_staff_reminder_email(*, to: Iterable[str], tickets: list[Ticket]) -> None:
    send_templated_email(
        to=sorted(set(to)), template="recovery_staff_reminder", context={"tickets": tickets}
    )
