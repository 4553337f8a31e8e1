"""Proofs the system itself checked: staff cannot approve a recovery without one.

Everything a claimant writes (repository URLs, project names, dates) is public or guessable;
these are not: the repository challenge passed, a verified address of the account answered,
a second factor still registered on the account accepted a code, or a second staff member
approved the recovery too (four eyes), each recorded on the ticket.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress

from accounts.models import User

from .models import Ticket

ENDORSED = "endorsed"


def proofs_held(ticket: Ticket, *, approver: User | None = None) -> list[str]:
    """What the system verified for this ticket, in words (empty: nothing yet)."""
    held: list[str] = []
    passed = ticket.challenges.filter(matched=True).order_by("checked_at").first()
    if passed is not None:
        held.append(f"The repository challenge passed: the code was found at {passed.fetch_url}.")
    if (
        ticket.account_id
        and ticket.contact_verified_at
        and EmailAddress.objects.filter(
            user_id=ticket.account_id, email__iexact=ticket.contact_email, verified=True
        ).exists()
    ):
        held.append(
            f"A verified address of the account ({ticket.contact_email}) answered the "
            "confirmation link."
        )
    factor = ticket.events.filter(action="factor_verified").first()
    if factor is not None:
        device = factor.details.get("device", "a device")
        held.append(f"A second factor still registered on the account accepted a code ({device}).")
    endorsements = ticket.events.filter(action=ENDORSED).select_related("actor")
    if approver is not None:
        endorsements = endorsements.exclude(actor=approver)
    endorsement = endorsements.first()
    if endorsement is not None:
        name = endorsement.actor.username if endorsement.actor else "a former staff member"
        held.append(f"A second staff member ({name}) approved the recovery (four eyes).")
    return held


NO_PROOF = (
    "Nothing the system checked supports this claim yet, and what the claimant wrote may be "
    "public. Before approving, get one proof: send a repository challenge and check it, ask "
    "the claimant (with the answer link) for a code from a second factor still on the account, "
    "or ask a second support staff member to approve too (four eyes)."
)
