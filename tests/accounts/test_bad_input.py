"""Junk, oversized and missing values on every account form: a clear message, never a 500."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

HUGE = "x" * 20_000
NUL = "abc\x00def"
WEIRD = "\u202e\ud7ff<script>alert(1)</script>"

JUNK = {
    "missing": {},
    "empty": "",
    "huge": HUGE,
    "nul": NUL,
    "weird": WEIRD,
    "huge_email": HUGE + "@example.com",
}

# form path, its fields, whether it needs a signed-in (re-authenticated) user
FORMS = {
    "signup": ("/accounts/signup/", ["username", "email", "password1", "password2"], False),
    "login": ("/accounts/login/", ["login", "password"], False),
    "reset": ("/accounts/password/reset/", ["email"], False),
    "change": ("/accounts/password/change/", ["oldpassword", "password1", "password2"], True),
    "add_email": ("/accounts/email/", ["email", "action_add"], True),
    "remove_email": ("/accounts/email/", ["email", "action_remove"], True),
    "resend": ("/accounts/email/", ["email", "action_send"], True),
}


def payload(fields: list[str], junk) -> dict[str, str]:
    if junk == {}:
        return {field: "" for field in fields if field.startswith("action_")}
    return {field: ("" if field.startswith("action_") else junk) for field in fields}


@pytest.mark.parametrize("junk_name", JUNK)
@pytest.mark.parametrize("form_name", FORMS)
def test_account_forms_answer_junk_with_a_message(
    form_name, junk_name, client, reauthed_user_client
):
    path, fields, signed_in = FORMS[form_name]
    http = reauthed_user_client if signed_in else client

    response = http.post(path, payload(fields, JUNK[junk_name]), follow=True)

    assert response.status_code < 500
    html = response.content.decode()
    if response.redirect_chain:
        # Accepted as harmless (e.g. reset for an unknown address): a page that explains.
        assert response.status_code == 200
    else:
        assert response.status_code in (200, 400, 429)
        assert 'class="errorlist' in html or 'class="message' in html, html[-1500:]


@pytest.mark.parametrize("junk_name", ["missing", "empty", "huge", "nul", "huge_email"])
def test_set_password_from_reset_link_answers_junk(junk_name, client, user, mailoutbox):
    from tests.accounts.conftest import link_in

    client.post("/accounts/password/reset/", {"email": user.email})
    page = client.get(link_in(mailoutbox[0], "/accounts/password/reset/key/"), follow=True)
    form_url = page.redirect_chain[-1][0]

    response = client.post(form_url, payload(["password1", "password2"], JUNK[junk_name]))

    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/confirm-email/%00/",
        "/accounts/confirm-email/" + "A" * 5000 + "/",
        "/accounts/password/reset/key/zz-" + "A" * 3000 + "/",
        "/accounts/password/reset/key/%ff%fe-abc/",
    ],
)
def test_junk_links_answer_without_a_server_error(client, path):
    assert client.get(path).status_code < 500
    assert client.post(path).status_code < 500


def test_login_with_a_list_instead_of_a_string(client, user):
    response = client.post(
        "/accounts/login/", {"login": [user.username, "other"], "password": [PASSWORD, "x"]}
    )
    assert response.status_code < 500
