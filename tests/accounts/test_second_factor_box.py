"""One code box at the second step: the kind of code is recognised by its shape."""

from __future__ import annotations

import pytest

from accounts.twofactor.services import recovery_codes_generate
from tests.accounts.test_twofactor_login import STEP, code_for, enter_password, totp_user

pytestmark = pytest.mark.django_db
__all__ = ["totp_user"]


def test_a_recovery_code_in_the_one_box_signs_in(client, totp_user):
    codes = recovery_codes_generate(user=totp_user)
    enter_password(client, totp_user)
    response = client.post(STEP, {"code": codes[0]})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(totp_user.pk)


def test_an_authenticator_code_in_the_one_box_signs_in(client, totp_user):
    enter_password(client, totp_user)
    assert client.post(STEP, {"code": code_for(totp_user)}).status_code == 302


def test_junk_is_named_and_counts_once(client, totp_user, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "second_factor_account": "2/300"}
    enter_password(client, totp_user)
    junk = client.post(STEP, {"code": "hello"})
    assert junk.status_code == 400
    assert "That is not a code Wharf gives out" in junk.content.decode()
    wrong = client.post(STEP, {"code": "0000-0000-0000-0000"})
    assert wrong.status_code == 400
    assert "That code was not accepted" in wrong.content.decode()
    limited = client.post(STEP, {"code": code_for(totp_user)})
    assert limited.status_code == 429
    assert 0 < int(limited["Retry-After"]) <= 300
    assert "Too many wrong second-factor attempts" in limited.content.decode()
    assert "_auth_user_id" not in client.session
