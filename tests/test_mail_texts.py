"""Every mail template rendered with real data: no raw internal code, no empty field, none of
the slips found in issue 12 ("A authenticator app", "two_factor", "1 days", "email . However").
A template added under templates/emails/ without a case here fails the coverage test.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from recovery.models import RepositoryChallenge, Ticket
from tests.factories import TicketFactory, TokenFactory, UserFactory

pytestmark = pytest.mark.django_db
EMAILS = Path(settings.BASE_DIR) / "templates" / "emails"
SITE = "http://wharf.example"


def cases() -> dict[str, list[dict]]:
    """Template name -> contexts as the code sends them (one per branch worth reading)."""
    user = UserFactory(username="ruth", email="ruth@example.com", verified=True)
    token = TokenFactory(user=user, name="CI", expires_at=timezone.now() + timedelta(days=30))
    revoked = TokenFactory(user=user, name="laptop", revoked_reason="revoked by its owner")
    ticket = TicketFactory(
        account=user,
        claimed_account="ruth",
        lost=[Ticket.Lost.PASSWORD, Ticket.Lost.TWO_FACTOR],
        remedies=[Ticket.Remedy.SET_CONTACT_EMAIL, Ticket.Remedy.REMOVE_TWO_FACTOR],
        effective_at=timezone.now() + timedelta(hours=24),
    )
    approved = TicketFactory(account=user, status=Ticket.Status.APPROVED, lost=["two_factor"])
    challenge = RepositoryChallenge.objects.create(
        ticket=ticket,
        repository_url="https://github.com/ruth/attest",
        fetch_url="https://raw.githubusercontent.com/ruth/attest/main/wharf-recovery.txt",
        nonce="f3c1a9e2b7d4",
    )
    tokens_url = f"{SITE}/manage/account/tokens/"
    factor = {"user": user, "ip": "203.0.113.5", "label": "Blue key"}
    return {
        "account_email_added": [
            {"user": user, "added_email": "new@example.com", "ip": "203.0.113.5",
             "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"},
        ],
        "new_device_sign_in": [
            {"user": user, "device": "Firefox on Linux", "ip": "203.0.113.5",
             "when": timezone.now()},
        ],
        "password_reset_unverified": [{"email": "ruth@oldmail.example"}],
        "project_changed": [
            {"project_name": "Attest", "normalized_name": "attest",
             "summary": "maya is now Owner"},
        ],
        "project_deleted": [{"project_name": "Attest", "actor": "ruth"}],
        "organization_approval_requested": [
            {"name": "acme", "display_name": "Acme Inc.",
             "admin_url": "http://localhost:8000/admin/organizations/organization/1/change/"},
        ],
        "organization_changed": [
            {"name": "acme", "summary": "ruth added maya to team core.",
             "manage_url": "http://localhost:8000/manage/organization/acme/"},
        ],
        "organization_invitation": [
            {"invitee": "maya", "inviter": "ruth", "role": "Member", "name": "acme",
             "expires_at": timezone.now() + timedelta(days=7),
             "answer_url": "http://localhost:8000/manage/organizations/"},
        ],
        "organization_offboarding": [
            {"name": "acme", "username": "maya", "summary": "ruth removed maya",
             "removed": ["membership (Member)", "team core", "Maintainer role on attest"],
             "manage_url": "http://localhost:8000/manage/organization/acme/"},
        ],
        "organization_status": [
            {"name": "acme", "verb": "declined", "message": "Looks like a squat.",
             "manage_url": "http://localhost:8000/manage/organization/acme/"},
            {"name": "acme", "verb": "approved", "message": "",
             "manage_url": "http://localhost:8000/manage/organization/acme/"},
        ],
        "project_invitation": [
            {"invitee": "maya", "inviter": "ruth", "role": "Maintainer",
             "project_name": "Attest", "expires_at": timezone.now() + timedelta(days=7)},
        ],
        "recovery_challenge": [{"ticket": ticket, "challenge": challenge}],
        "recovery_code_used": [
            {"user": user, "ip": "203.0.113.5", "remaining": 1, "purpose": "sign-in"},
            {"user": user, "ip": None, "remaining": 0, "purpose": "re-authentication"},
        ],
        "recovery_codes_generated": [{"user": user, "ip": "203.0.113.5", "count": 8}],
        "recovery_completed": [
            {"user": user, "ticket": ticket, "contact_made_primary": True},
            {"user": user, "ticket": approved, "contact_made_primary": False},
        ],
        "recovery_info_requested": [
            {"ticket": ticket, "question": "Which CI service publishes Attest?",
             "url": f"{SITE}/recovery/answer/abc/"},
        ],
        "recovery_owner_warning": [
            {"ticket": ticket, "user": user, "cancel_url": f"{SITE}/recovery/cancel/abc/"},
            {"ticket": approved, "user": user, "cancel_url": f"{SITE}/recovery/cancel/def/"},
        ],
        "recovery_set_password": [
            {"ticket": ticket, "url": f"{SITE}/recovery/password/abc/", "valid_hours": 24,
             "contact_made_primary": True},
        ],
        "recovery_staff_reminder": [{"tickets": [ticket, approved]}, {"tickets": [ticket]}],
        "recovery_status": [
            {"ticket": ticket, "headline": "Your request was rejected.",
             "reason": "The repository does not list you."},
            {"ticket": approved, "headline": "Your request was approved.", "reason": ""},
        ],
        "recovery_verify_contact": [{"ticket": ticket, "url": f"{SITE}/recovery/verify/abc/"}],
        "token_created": [{"user": user, "token": token, "tokens_url": tokens_url}],
        "token_leaked": [
            {"user": user, "token": token, "tokens_url": tokens_url,
             "url": "https://github.com/ruth/attest/blob/main/ci.yml", "source": "GitHub"},
        ],
        "token_revoked": [{"user": user, "token": revoked, "tokens_url": tokens_url}],
        "two_factor_added": [
            {**factor, "factor": "authenticator app", "label": "Authenticator app"},
            {**factor, "factor": "security key"},
            {**factor, "factor": "passkey", "label": "Laptop"},
        ],
        "two_factor_removed": [
            {**factor, "factor": "authenticator app", "two_factor_left": False},
            {**factor, "factor": "security key", "two_factor_left": True},
        ],
        "two_factor_used": [{**factor, "factor": "security key", "purpose": "sign-in"}],
        "webauthn_counter_regression": [factor],
    }  # fmt: skip


def allauth_cases() -> dict[str, list[dict]]:
    user = UserFactory(username="ruth", email="ruth@example.com", verified=True)
    link = f"{SITE}/accounts/confirm-email/MQ:abc/"
    return {
        "email_confirmation": [{"user": user, "activate_url": link, "expiry_days": 3}],
        "email_confirmation_signup": [{"user": user, "activate_url": link, "expiry_days": 1}],
        "unknown_account": [
            {"email": "nobody@example.com", "signup_url": f"{SITE}/accounts/signup/"},
            {"email": "", "signup_url": f"{SITE}/accounts/signup/"},
        ],
        "password_reset_key": [
            {"user": user, "password_reset_url": f"{SITE}/accounts/password/reset/key/x/",
             "username": "ruth"},
        ],
    }  # fmt: skip


# Stored codes that must never reach a reader: tags, choice values, snake_case names.
RAW = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b|\b[a-z]+:[a-z_]+:[a-z_]+\b")
SLIPS = {
    "a/an before a vowel": re.compile(r"\b[Aa] [aeio]\w"),
    "singular count with a plural noun": re.compile(
        r"(?<![\d.])\b1 (days|hours|minutes|codes|tokens|tickets)\b"
    ),
    "an empty field before punctuation": re.compile(r"(?<=\w) [.,;:](?=\s|$)"),
    "empty quotes": re.compile(r"\"\"|“”|‘’|\(\)"),
    "a word twice": re.compile(r"\b(\w+) \1\b", re.IGNORECASE),
    "template syntax": re.compile(r"{{|}}|{%|%}"),
    "None": re.compile(r"\bNone\b"),
}


def problems(text: str) -> list[str]:
    prose = re.sub(r"https?://\S+", "URL", text)
    found = [f"raw code {m.group(0)!r}" for m in RAW.finditer(prose)]
    for slip, pattern in SLIPS.items():
        found += [f"{slip}: {m.group(0)!r}" for m in pattern.finditer(prose)]
    return found


def rendered(prefix: str, context: dict) -> str:
    return "\n".join(
        render_to_string(f"{prefix}{part}", {"SITE_URL": SITE, **context})
        for part in ("subject.txt", "body.txt")
    )


def test_every_mail_template_has_a_case():
    assert {p.name for p in EMAILS.iterdir() if p.is_dir()} == set(cases())


def test_wharf_mail_texts_read_right():
    found = {}
    for name, contexts in cases().items():
        for context in contexts:
            text = rendered(f"emails/{name}/", context)
            assert text.strip(), name
            if problems(text):
                found[name] = problems(text)
    assert found == {}


def test_allauth_mail_texts_read_right():
    found = {}
    for name, contexts in allauth_cases().items():
        for context in contexts:
            text = "\n".join(
                render_to_string(f"account/email/{name}_{part}.txt", {"SITE_URL": SITE, **context})
                for part in ("subject", "message")
            )
            if problems(text):
                found[name] = problems(text)
    assert found == {}


@pytest.mark.parametrize(
    "text",
    [
        "A authenticator app was added.",
        "It lost: password, two_factor.",
        "The link works for 1 days.",
        "an account with email . However, we do not",
    ],
)
def test_the_checks_catch_the_slips_from_the_issue(text):
    assert problems(text)
