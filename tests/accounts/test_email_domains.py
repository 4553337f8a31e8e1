"""Issue 14 #9: an address whose domain lapsed stops counting as verified (ctx, 2022)."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.test import Client

from accounts.models import AccountEvent
from accounts.tasks import check_email_domains
from config.celery import app as celery_app
from tests.factories import PASSWORD, EmailAddressFactory, UserFactory

pytestmark = pytest.mark.django_db

RESET = "/accounts/password/reset/"


class FakeResolver:
    """Stands in for DNS: these domains are gone, these time out, the rest exist."""

    gone = {"lapsed.example"}
    unreachable = {"slow.example"}
    asked: list[str] = []

    def domain_exists(self, domain: str) -> bool | None:
        FakeResolver.asked.append(domain)
        if domain in self.unreachable:
            return None
        return domain not in self.gone


@pytest.fixture(autouse=True)
def fake_dns(settings):
    settings.EMAIL_DOMAIN_RESOLVER = f"{__name__}.FakeResolver"
    FakeResolver.asked = []


@pytest.fixture
def ctx_owner(db):
    """A maintainer whose only address is on a domain that lapsed."""
    return UserFactory(username="ctx-dev", email="dev@lapsed.example", verified=True)


def test_the_command_unverifies_addresses_whose_domain_lapsed(ctx_owner, capsys):
    kept = UserFactory(email="ok@fine.example", verified=True)
    unsure = UserFactory(email="who@slow.example", verified=True)
    call_command("check_email_domains")
    assert "1 address(es) marked unverified" in capsys.readouterr().out
    assert not EmailAddress.objects.get(email="dev@lapsed.example").verified
    assert EmailAddress.objects.get(user=kept).verified
    assert EmailAddress.objects.get(user=unsure).verified  # no answer is not "gone"
    event = AccountEvent.objects.get(user=ctx_owner, tag="account:email:domain_lapsed")
    assert event.details["email"] == "dev@lapsed.example" and event.details["actor"] == "system"
    assert sorted(set(FakeResolver.asked)) == [
        "fine.example",
        "lapsed.example",
        "python.org",
        "slow.example",
    ]
    call_command("check_email_domains")  # safe to re-run: nothing new
    assert AccountEvent.objects.filter(tag="account:email:domain_lapsed").count() == 1


def test_the_periodic_task_is_scheduled_and_runs(ctx_owner):
    schedule = celery_app.conf.beat_schedule
    assert any(e["task"] == "accounts.tasks.check_email_domains" for e in schedule.values())
    assert check_email_domains.delay().get() == {"domains": 1, "lapsed": 1}


def test_reset_for_a_lapsed_address_answers_and_mails_as_for_an_unknown_one(
    client, ctx_owner, mailoutbox
):
    call_command("check_email_domains")
    lapsed = client.post(RESET, {"email": "dev@lapsed.example"})
    unknown = Client().post(RESET, {"email": "nobody@lapsed.example"})
    assert (lapsed.status_code, lapsed["Location"]) == (unknown.status_code, unknown["Location"])
    to_lapsed, to_unknown = mailoutbox
    assert to_lapsed.subject == to_unknown.subject
    assert to_lapsed.body.replace("dev@", "nobody@") == to_unknown.body
    assert "/accounts/password/reset/key/" not in to_lapsed.body


def test_the_account_is_told_at_sign_in(client, ctx_owner):
    EmailAddressFactory(user=ctx_owner, email="dev@fine.example", verified=True, primary=False)
    call_command("check_email_domains")
    response = client.post(
        "/accounts/login/", {"login": "ctx-dev", "password": PASSWORD}, follow=True
    )
    page = response.content.decode()
    assert "Your address dev@lapsed.example is no longer verified" in page
    assert "its domain does not exist any more" in page and "Add an address you can read" in page


def test_a_resolver_that_denies_everything_unverifies_nobody(ctx_owner, monkeypatch):
    monkeypatch.setattr(FakeResolver, "gone", {"lapsed.example", "python.org"})
    call_command("check_email_domains")
    assert EmailAddress.objects.get(email="dev@lapsed.example").verified
