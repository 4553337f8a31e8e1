from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from accounts import views as accounts_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/confirm-email/<str:key>/", accounts_views.confirm_email),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("config.api_urls")),
    path("recovery/", include("recovery.urls")),
    path("", include("tokens.urls")),
    path("", include("packages.urls")),
    path("", include("accounts.urls")),
]
