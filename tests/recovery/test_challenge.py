from __future__ import annotations

import pytest

from recovery.challenge import ChallengeFetchError, challenge_file_url, fetch_text
from recovery.models import RepositoryChallenge
from tests.factories import TicketFactory
from tests.recovery.helpers import mails_to

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("repository", "expected"),
    [
        (
            "https://github.com/dag-dev/attest",
            "https://raw.githubusercontent.com/dag-dev/attest/HEAD/wharf-recovery.txt",
        ),
        (
            "https://github.com/dag-dev/attest.git/",
            "https://raw.githubusercontent.com/dag-dev/attest/HEAD/wharf-recovery.txt",
        ),
        (
            "https://gitlab.com/group/sub/repo",
            "https://gitlab.com/group/sub/repo/-/raw/HEAD/wharf-recovery.txt",
        ),
        (
            "https://git.example.org/dag/attest/",
            "https://git.example.org/dag/attest/wharf-recovery.txt",
        ),
    ],
)
def test_challenge_file_url(repository, expected):
    assert challenge_file_url(repository) == expected


def test_challenge_file_url_refuses_other_schemes():
    with pytest.raises(Exception, match="use e.g. https://github.com/owner/repo"):
        challenge_file_url("file:///etc/passwd")


def test_fetch_refuses_private_addresses_by_default(settings):
    settings.RECOVERY_CHALLENGE_ALLOW_PRIVATE_HOSTS = False
    with pytest.raises(ChallengeFetchError, match="resolves to a private address"):
        fetch_text("http://127.0.0.1:9/wharf-recovery.txt")


def test_fetch_reads_from_fake_server_with_size_limit(fake_web):
    fake_web.pages["/ok.txt"] = (200, b"hello")
    fake_web.pages["/big.txt"] = (200, b"x" * (65 * 1024))
    assert fetch_text(fake_web.url + "/ok.txt") == "hello"
    with pytest.raises(ChallengeFetchError, match="larger than"):
        fetch_text(fake_web.url + "/big.txt")
    with pytest.raises(ChallengeFetchError, match="answered HTTP 404"):
        fetch_text(fake_web.url + "/missing.txt")


def test_staff_challenge_round_trip(support_client, support, dag, fake_web, mailoutbox):
    repository = f"{fake_web.url}/dag-dev/attest"
    ticket = TicketFactory(account=dag, repository_urls=[repository])
    response = support_client.post(
        f"/admin/recovery/ticket/{ticket.pk}/act/challenge/", {"repository_url": repository}
    )
    assert response.status_code == 302
    challenge = RepositoryChallenge.objects.get()
    assert challenge.fetch_url == f"{repository}/wharf-recovery.txt"
    [mail] = mails_to(mailoutbox, ticket.contact_email)
    assert challenge.nonce in mail.body and ticket.reference in mail.subject
    sent = ticket.events.get(action="challenge_sent")
    assert sent.actor == support and sent.actor_kind == "staff"

    check = f"/admin/recovery/ticket/{ticket.pk}/act/check_challenge/"
    # Not published yet: recorded as not matched, with the reason.
    support_client.post(check, {"challenge": challenge.pk})
    challenge.refresh_from_db()
    assert challenge.matched is False and "answered HTTP 404" in challenge.result

    fake_web.pages["/dag-dev/attest/wharf-recovery.txt"] = (200, f"{challenge.nonce}\n".encode())
    support_client.post(check, {"challenge": challenge.pk})
    challenge.refresh_from_db()
    assert challenge.matched is True
    assert fake_web.requests == ["/dag-dev/attest/wharf-recovery.txt"] * 2
    checks = ticket.events.filter(action="challenge_checked").order_by("id")
    assert [e.details["matched"] for e in checks] == [False, True]
    assert all(e.actor == support for e in checks)
    page = support_client.get(f"/admin/recovery/ticket/{ticket.pk}/change/").content.decode()
    assert "matched" in page and challenge.nonce in page


def test_wrong_content_does_not_match(support_client, dag, fake_web):
    repository = f"{fake_web.url}/dag-dev/attest"
    ticket = TicketFactory(account=dag)
    support_client.post(
        f"/admin/recovery/ticket/{ticket.pk}/act/challenge/", {"repository_url": repository}
    )
    challenge = RepositoryChallenge.objects.get()
    fake_web.pages["/dag-dev/attest/wharf-recovery.txt"] = (200, b"wharf-recovery-guess")
    support_client.post(
        f"/admin/recovery/ticket/{ticket.pk}/act/check_challenge/", {"challenge": challenge.pk}
    )
    challenge.refresh_from_db()
    assert challenge.matched is False
    assert challenge.result == "the file does not hold the code"
