"""Two-factor routes, included by accounts/urls.py (names live in the "accounts" namespace)."""

from __future__ import annotations

from django.urls import path

from . import views

_manage = "manage/account/two-factor/"

urlpatterns = [
    path(_manage, views.two_factor, name="two_factor"),
    path(f"{_manage}totp/", views.totp_setup, name="totp_setup"),
    path(f"{_manage}totp/remove/", views.totp_remove, name="totp_remove"),
    path(f"{_manage}webauthn/", views.webauthn_setup, name="webauthn_setup"),
    path(f"{_manage}webauthn/begin/", views.webauthn_register_begin, name="webauthn_begin"),
    path(
        f"{_manage}webauthn/complete/",
        views.webauthn_register_complete,
        name="webauthn_complete",
    ),
    path(f"{_manage}webauthn/<int:pk>/rename/", views.webauthn_rename, name="webauthn_rename"),
    path(f"{_manage}webauthn/<int:pk>/remove/", views.webauthn_remove, name="webauthn_remove"),
    path(f"{_manage}recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path(
        f"{_manage}recovery-codes/regenerate/",
        views.recovery_codes_regenerate,
        name="recovery_codes_regenerate",
    ),
    path("manage/account/reauthenticate/", views.reauthenticate, name="reauthenticate"),
    path(
        "manage/account/reauthenticate/webauthn/begin/",
        views.reauthenticate_webauthn_begin,
        name="reauthenticate_webauthn_begin",
    ),
    path(
        "manage/account/reauthenticate/webauthn/complete/",
        views.reauthenticate_webauthn_complete,
        name="reauthenticate_webauthn_complete",
    ),
    # The sign-in second step: reachable only with a pending login (no session login yet).
    path("accounts/two-factor/", views.two_factor_login, name="two_factor_login"),
    path(
        "accounts/two-factor/webauthn/begin/",
        views.two_factor_login_webauthn_begin,
        name="two_factor_login_webauthn_begin",
    ),
    path(
        "accounts/two-factor/webauthn/complete/",
        views.two_factor_login_webauthn_complete,
        name="two_factor_login_webauthn_complete",
    ),
]
