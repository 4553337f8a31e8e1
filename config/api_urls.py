"""Every /api/v1/ route, listed in one place."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts import api as accounts_api
from tokens import api as tokens_api

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    # The caller's API tokens.
    path("tokens/", tokens_api.TokenListCreateApi.as_view(), name="tokens"),
    path("tokens/<int:token_id>/", tokens_api.TokenRevokeApi.as_view(), name="token"),
    # The caller's account.
    path("account/", accounts_api.AccountApi.as_view(), name="account"),
    path("account/emails/", accounts_api.AccountEmailsApi.as_view(), name="account-emails"),
    path("account/events/", accounts_api.AccountEventsApi.as_view(), name="account-events"),
]
