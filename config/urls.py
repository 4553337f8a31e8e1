from __future__ import annotations

from allauth.account import views as allauth_views
from django.contrib import admin
from django.http import HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import TemplateView

from accounts import views as accounts_views
from accounts.limiting import (
    answer_form_limits,
    limit_posts,
    reset_rule,
    signup_rule,
)
from accounts.reauth import changes_email_addresses, reauth_required, reauth_required_when
from core import health
from core.api import api_not_found

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("robots.txt", TemplateView.as_view(template_name="robots.txt", content_type="text/plain")),
    path("favicon.ico", lambda request: HttpResponseRedirect(static("img/favicon.svg"))),
    path("admin/", admin.site.urls),
    # Sensitive allauth pages ask for a recent password (+ second factor): see accounts.reauth.
    path("accounts/password/change/", reauth_required(allauth_views.password_change)),
    path(
        "accounts/email/",
        reauth_required_when(changes_email_addresses)(allauth_views.email),
    ),
    # Limits (core.limits) in front of allauth's pages; a tripped one answers 429.
    path("accounts/login/", answer_form_limits(allauth_views.login), name="account_login"),
    path("accounts/signup/", limit_posts(signup_rule)(allauth_views.signup), name="account_signup"),
    path(
        "accounts/password/reset/",
        limit_posts(reset_rule)(allauth_views.password_reset),
        name="account_reset_password",
    ),
    path("accounts/confirm-email/<str:key>/", accounts_views.confirm_email),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("config.api_urls")),
    # Any other address under /api/v1/ (a word where an id goes) answers a JSON 404; only
    # addresses ending in a slash, so a missing slash still redirects.
    re_path(r"^api/v1/.*/$", api_not_found),
    path("recovery/", include("recovery.urls")),
    path("", include("publishing.urls")),
    path("", include("organizations.urls")),
    path("", include("tokens.urls")),
    path("", include("packages.urls")),
    path("", include("accounts.urls")),
]
