"""Small helpers the recovery tests share: filing a request and reading links from mail."""

from __future__ import annotations

import re

from django.test import Client

LINK = re.compile(r"https?://[^/\s]+(/recovery/[a-z]+/[A-Za-z0-9_.\-]+/)")


def form_data(**overrides) -> dict:
    data = {
        "account": "dag",
        "contact_email": "dag@newmail.example",
        "lost": ["password", "email_access"],
        "repository_urls": "https://github.com/dag-dev/attest",
        "projects": "Attest",
        "last_sign_in": "2021-03-01",
        "other_evidence": "I wrote attest in 2019.",
        "agree_code_of_conduct": "on",
        "acknowledge_review_time": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def file_request(client: Client, **overrides):
    return client.post(
        "/recovery/",
        form_data(**overrides),
        REMOTE_ADDR="203.0.113.7",
        HTTP_USER_AGENT="Mozilla/5.0 (dag)",
    )


def link_in(message, kind: str) -> str:
    """The path of the /recovery/<kind>/<token>/ link in a mail."""
    for path in LINK.findall(message.body):
        if path.startswith(f"/recovery/{kind}/"):
            return path
    raise AssertionError(f"no {kind} link in {message.subject!r}:\n{message.body}")


def mails_to(mailoutbox, address: str) -> list:
    return [m for m in mailoutbox if address in m.to]


def vouch(ticket, *, superuser: bool = False):
    """A second support staff member vouches for the ticket (four eyes): the system-checked
    proof that tests not about proofs give before approving."""
    from recovery import services
    from tests.recovery.conftest import make_support_staff

    other = make_support_staff(
        username=f"vouch-{ticket.pk}-{ticket.events.count()}", is_superuser=superuser
    )
    services.ticket_endorse(ticket=ticket, staff=other, reason="I checked the evidence too.")
    return other
