from __future__ import annotations

import pytest

from accounts.events import record_event
from recovery.checks import compute_checks, normalize_url
from tests.factories import EmailAddressFactory, TicketFactory, TOTPDeviceFactory

pytestmark = pytest.mark.django_db


def _by_name(ticket):
    return {check.name: check for check in compute_checks(ticket)}


def test_normalize_url():
    assert (
        normalize_url("https://www.GitHub.com/Dag-Dev/Attest.git/") == "github.com/dag-dev/attest"
    )


def test_repository_matches_project_metadata(dag):
    ticket = TicketFactory(account=dag, repository_urls=["http://github.com/dag-dev/attest/"])
    check = _by_name(ticket)["Repository in project metadata"]
    # A match, but project pages show their repository: weak evidence, never "good".
    assert check.verdict == "weak" and "proves nothing alone" in check.summary
    assert "listed by Attest 1.0" in check.details[0]


def test_repository_of_someone_else_does_not_match(dag):
    ticket = TicketFactory(account=dag, repository_urls=["https://github.com/evil/attest"])
    check = _by_name(ticket)["Repository in project metadata"]
    assert check.verdict == "bad"


def test_claimed_projects_checked_against_roles(dag):
    ticket = TicketFactory(account=dag, claimed_projects=["ATTEST", "requests"])
    check = _by_name(ticket)["Claimed projects"]
    assert check.details == ["ATTEST: Owner", "requests: the account has no role"]
    assert check.summary == "1 of 2 confirmed."


@pytest.mark.parametrize(
    ("contact", "verdict", "summary"),
    [
        ("dag@oldmail.example", "good", "Same address"),
        ("other@oldmail.example", "info", "Same domain"),
        ("dag@elsewhere.example", "bad", "No relation"),
    ],
)
def test_contact_email_relation(dag, contact, verdict, summary):
    check = _by_name(TicketFactory(account=dag, contact_email=contact))["Contact email"]
    assert (check.verdict, check.summary.startswith(summary)) == (verdict, True)


def test_account_state_and_sign_in_history(dag):
    EmailAddressFactory(user=dag, email="dag@work.example", verified=True)
    TOTPDeviceFactory(user=dag)
    record_event(user=dag, tag="account:login:success")
    from accounts.models import AccountEvent

    AccountEvent.objects.filter(user=dag).update(ip_address="203.0.113.7")
    ticket = TicketFactory(account=dag, ip_address="203.0.113.7")
    checks = _by_name(ticket)
    state = checks["Account state"]
    assert "verified email: yes" in state.details
    assert state.details[1].startswith("two-factor: yes")
    assert "recovery codes generated: no" in state.details
    history = checks["Sign-in history"]
    assert history.verdict == "good"
    assert "from the ticket's IP 203.0.113.7: 1" in history.details
    assert checks["Account age and activity"].details[1] == "roles on projects: 1"


def test_unknown_account_has_one_check():
    ticket = TicketFactory(account=None, claimed_account="ghost")
    [check] = compute_checks(ticket)
    assert "No account matches 'ghost'" in check.summary
