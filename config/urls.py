from __future__ import annotations

from allauth.account import views as allauth_views
from django.contrib import admin
from django.urls import include, path

from accounts import views as accounts_views
from accounts.reauth import changes_email_addresses, reauth_required, reauth_required_when

urlpatterns = [
    path("admin/", admin.site.urls),
    # Sensitive allauth pages ask for a recent password (+ second factor): see accounts.reauth.
    path("accounts/password/change/", reauth_required(allauth_views.password_change)),
    path("accounts/email/", reauth_required_when(changes_email_addresses)(allauth_views.email)),
    path("accounts/confirm-email/<str:key>/", accounts_views.confirm_email),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("config.api_urls")),
    path("recovery/", include("recovery.urls")),
    path("", include("tokens.urls")),
    path("", include("packages.urls")),
    path("", include("accounts.urls")),
]
