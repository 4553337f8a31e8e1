"""Every write of account recovery, split by flow: one transaction each, audited, mail on commit.

claimant.py — filing, confirming the contact address, answering, the owner's cancel;
staff.py — review, questions, the repository challenge, endorsement and approval;
sweep.py — the periodic work: completion after the waiting period, closing, reminders.
Writes to other apps' tables go through their services (accounts.services, tokens.services).
"""

from __future__ import annotations

from .claimant import (
    ticket_answer,
    ticket_cancel_by_owner,
    ticket_create,
    ticket_set_password,
    ticket_verify_contact,
)
from .shared import find_account, link_lookup
from .staff import (
    challenge_check,
    challenge_send,
    ticket_add_note,
    ticket_approve,
    ticket_assign,
    ticket_endorse,
    ticket_mark_spam,
    ticket_reject,
    ticket_request_info,
    unanswered_question,
    waiting_period,
)
from .sweep import (
    support_staff_addresses,
    ticket_complete,
    ticket_expire_unverified,
    tickets_process_due,
    tickets_remind_staff,
)

__all__ = [
    "challenge_check",
    "challenge_send",
    "find_account",
    "link_lookup",
    "support_staff_addresses",
    "ticket_add_note",
    "ticket_answer",
    "ticket_approve",
    "unanswered_question",
    "ticket_assign",
    "ticket_cancel_by_owner",
    "ticket_complete",
    "ticket_create",
    "ticket_endorse",
    "ticket_expire_unverified",
    "ticket_mark_spam",
    "ticket_reject",
    "ticket_request_info",
    "ticket_set_password",
    "ticket_verify_contact",
    "tickets_process_due",
    "tickets_remind_staff",
    "waiting_period",
]
