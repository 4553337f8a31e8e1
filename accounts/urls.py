from __future__ import annotations

from django.urls import include, path

from . import passkeys, views

app_name = "accounts"

urlpatterns = [
    path("manage/account/", views.account, name="account"),
    path("", include("accounts.twofactor.urls")),
    path("terms/", views.terms, name="terms"),
    path("manage/account/two-factor/passkey/", passkeys.passkey_setup, name="passkey_setup"),
    path(
        "manage/account/two-factor/passkey/begin/",
        passkeys.passkey_register_begin,
        name="passkey_begin",
    ),
    path(
        "manage/account/two-factor/passkey/complete/",
        passkeys.passkey_register_complete,
        name="passkey_complete",
    ),
    path("accounts/passkey/begin/", passkeys.passkey_login_begin, name="passkey_login_begin"),
    path(
        "accounts/passkey/complete/",
        passkeys.passkey_login_complete,
        name="passkey_login_complete",
    ),
]
