from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_home_page_renders(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"pip install --index-url" in response.content


def test_account_page_requires_sign_in(client):
    response = client.get("/manage/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_account_page_shows_security_history(user_client, user):
    from accounts.events import record_event

    record_event(user=user, tag="account:password:changed")
    response = user_client.get("/manage/account/")
    assert response.status_code == 200
    assert b"Changed the password" in response.content


def test_admin_refuses_staff_without_second_factor(client, staff):
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_admin_accepts_staff_with_second_factor(staff_client):
    response = staff_client.get("/admin/accounts/user/")
    assert response.status_code == 200
