from __future__ import annotations

import pytest

from accounts.events import record_event
from accounts.models import AccountEvent
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_account_page_shows_own_history_newest_first_and_nobody_elses(client, user):
    other = UserFactory(verified=True)
    client.post("/accounts/login/", {"login": user.username, "password": "wrong"})
    client.post("/accounts/login/", {"login": other.username, "password": "wrong"})
    client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})

    html = client.get("/manage/account/").content.decode()

    assert html.index("Signed in with a password") < html.index("Failed sign-in attempt")
    assert html.count("Failed sign-in attempt") == 1
    assert "from 127.0.0.1" in html
    assert "account:login" not in html  # raw tags are for staff only


def test_admin_lists_events_read_only(staff_client, user):
    event = record_event(user=user, tag="account:password:changed")

    listing = staff_client.get("/admin/accounts/accountevent/?q=" + user.username)
    detail = staff_client.get(f"/admin/accounts/accountevent/{event.pk}/change/")
    edit = staff_client.post(
        f"/admin/accounts/accountevent/{event.pk}/change/", {"tag": "account:forged:event"}
    )
    delete = staff_client.post(f"/admin/accounts/accountevent/{event.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200 and b"account:password:changed" in listing.content
    assert detail.status_code == 200 and b"Save" not in detail.content
    assert edit.status_code == 403
    assert delete.status_code == 403
    assert staff_client.get("/admin/accounts/accountevent/add/").status_code == 403
    event.refresh_from_db()
    assert event.tag == "account:password:changed"


def test_admin_user_page_shows_addresses_and_events_inline(staff_client, user):
    record_event(user=user, tag="account:email:added", email="x@example.com")

    page = staff_client.get(f"/admin/accounts/user/{user.pk}/change/")

    html = page.content.decode()
    assert page.status_code == 200
    assert user.email in html
    assert "account:email:added" in html
    assert "Terms of service" in html


def test_admin_user_search_and_filters(staff_client, user):
    unverified = UserFactory(unverified=True)

    by_email = staff_client.get("/admin/accounts/user/", {"q": user.email})
    only_unverified = staff_client.get(
        "/admin/accounts/user/", {"emailaddress__verified__exact": "0"}
    )

    assert user.username in by_email.content.decode()
    assert unverified.username not in by_email.content.decode()
    assert unverified.username in only_unverified.content.decode()
    assert AccountEvent.objects.count() == 0


def test_account_page_describes_events_in_words(user_client, user):
    record_event(user=user, tag="account:email:primary_changed", to_email="b@example.com")
    record_event(user=user, tag="account:login:success", factor=None, method="password")

    html = user_client.get("/manage/account/").content.decode()

    assert "Made b@example.com the primary email address" in html
    assert "Signed in with a password" in html
    assert "factor:" not in html and "None" not in html
