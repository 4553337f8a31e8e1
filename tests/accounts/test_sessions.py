"""Signed-in sessions: listed, ended one by one or all at once, and ended by security changes."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import UserSession
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Mobile Safari/604.1"


def signed_in(user, user_agent: str = FIREFOX, ip: str = "203.0.113.5") -> Client:
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    response = client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def test_sessions_page_lists_each_signed_in_browser_and_marks_this_one(user):
    here = signed_in(user, FIREFOX, "203.0.113.5")
    signed_in(user, SAFARI, "198.51.100.7")

    page = here.get("/manage/account/sessions/").content.decode()

    assert "Firefox on Linux" in page and "Safari on iOS" in page
    assert "203.0.113.5" in page and "198.51.100.7" in page
    assert page.count("(this session)") == 1
    assert page.index("Firefox on Linux") < page.index("(this session)") < page.index("Safari")


def test_ending_another_session_signs_it_out(user):
    here, there = signed_in(user), signed_in(user, SAFARI)
    other = UserSession.objects.active_for(user).get(device="Safari on iOS")

    response = here.post(f"/manage/account/sessions/{other.pk}/end/", follow=True)

    assert "That session is signed out." in response.content.decode()
    gone = there.get("/manage/account/")
    assert gone.status_code == 302 and "/accounts/login/" in gone["Location"]
    assert here.get("/manage/account/").status_code == 200
    assert user.events.filter(tag="account:session:ended").exists()


def test_this_session_cannot_be_ended_from_the_list(user):
    here = signed_in(user)
    mine = UserSession.objects.active_for(user).get()
    response = here.post(f"/manage/account/sessions/{mine.pk}/end/")
    assert response.status_code == 404
    assert "use Sign out instead" in response.content.decode()


def test_someone_elses_session_cannot_be_ended(user):
    here = signed_in(user)
    stranger = UserFactory(verified=True)
    theirs = signed_in(stranger)
    row = UserSession.objects.active_for(stranger).get()
    assert here.post(f"/manage/account/sessions/{row.pk}/end/").status_code == 404
    assert theirs.get("/manage/account/").status_code == 200


def test_ending_all_others_keeps_this_one(user):
    here = signed_in(user)
    others = [signed_in(user, SAFARI), signed_in(user, SAFARI)]

    response = here.post("/manage/account/sessions/end-others/", follow=True)

    assert "Signed out 2 other sessions." in response.content.decode()
    assert all(c.get("/manage/account/").status_code == 302 for c in others)
    assert here.get("/manage/account/").status_code == 200


def test_password_change_ends_the_other_sessions(user, settings):
    here, there = signed_in(user), signed_in(user, SAFARI)
    from tests.conftest import mark_reauthenticated

    mark_reauthenticated(here)
    new = "a whole new harbour 4471"
    response = here.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )
    assert response.status_code == 302
    assert there.get("/manage/account/").status_code == 302
    assert here.get("/manage/account/").status_code == 200
    assert UserSession.objects.active_for(user).count() == 1


def test_a_new_kind_of_device_is_mailed_a_known_one_is_not(user, mailoutbox):
    signed_in(user, FIREFOX)
    assert mailoutbox == []  # the first sign-in ever has nothing to compare with
    signed_in(user, FIREFOX, "198.51.100.9")
    assert mailoutbox == []
    signed_in(user, SAFARI)
    [notice] = mailoutbox
    assert notice.subject.endswith("New sign-in to your Wharf account from Safari on iOS")
    assert "/manage/account/sessions/" in notice.body and user.email in notice.to


def test_removing_a_second_factor_ends_the_other_sessions(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.conftest import login_verified, mark_reauthenticated

    there = signed_in(user, SAFARI)
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    here = mark_reauthenticated(login_verified(Client(), user))

    assert here.post("/manage/account/two-factor/totp/remove/").status_code == 302
    assert there.get("/manage/account/").status_code == 302
    assert here.get("/manage/account/").status_code == 200


def test_a_completed_recovery_ends_every_session(user):
    from datetime import timedelta

    from django.utils import timezone

    from recovery.models import Ticket
    from recovery.services import ticket_complete
    from tests.factories import TicketFactory

    there = signed_in(user, SAFARI)
    ticket = TicketFactory(
        account=user,
        status=Ticket.Status.APPROVED,
        approved_at=timezone.now() - timedelta(days=2),
        effective_at=timezone.now() - timedelta(hours=1),
    )
    ticket_complete(ticket_id=ticket.pk)
    assert there.get("/manage/account/").status_code == 302
    assert not UserSession.objects.active_for(user).exists()
