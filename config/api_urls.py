"""Every /api/v1/ route, listed in one place."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import api as accounts_api
from packages import api as packages_api
from publishing import api as publishing_api
from tokens import api as tokens_api

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script (CSP).
    # GET only: its HTML renderer has no template for DRF's OPTIONS metadata (a 500).
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", http_method_names=["get", "head"]
        ),
        name="docs",
    ),
    # The caller's API tokens.
    path("tokens/", tokens_api.TokenListCreateApi.as_view(), name="tokens"),
    path("tokens/<int:token_id>/", tokens_api.TokenRevokeApi.as_view(), name="token"),
    # API access tokens for scripts (password + second factor once, then Bearer).
    path("auth/session-token/", tokens_api.SessionTokenCreateApi.as_view(), name="session-token"),
    path(
        "auth/session-token/webauthn/begin/",
        tokens_api.SessionTokenWebAuthnBeginApi.as_view(),
        name="session-token-webauthn",
    ),
    path("auth/session-tokens/", tokens_api.SessionTokenListApi.as_view(), name="session-tokens"),
    path(
        "auth/session-tokens/<int:token_id>/",
        tokens_api.SessionTokenRevokeApi.as_view(),
        name="session-token-revoke",
    ),
    # Projects: the caller's, a project's releases and files, its roles.
    path("projects/", packages_api.ProjectListApi.as_view(), name="projects"),
    path("projects/<str:name>/", packages_api.ProjectDetailApi.as_view(), name="project"),
    path(
        "projects/<str:name>/releases/",
        packages_api.ReleaseListApi.as_view(),
        name="project-releases",
    ),
    path("projects/<str:name>/roles/", packages_api.RoleListApi.as_view(), name="project-roles"),
    path(
        "projects/<str:name>/roles/<str:username>/",
        packages_api.RoleDetailApi.as_view(),
        name="project-role",
    ),
    # Trusted publishers of a project (pending ones for a name not registered yet).
    path(
        "projects/<str:name>/publishers/",
        publishing_api.PublisherListApi.as_view(),
        name="project-publishers",
    ),
    path(
        "projects/<str:name>/publishers/<int:publisher_id>/",
        publishing_api.PublisherDetailApi.as_view(),
        name="project-publisher",
    ),
    # The caller's account.
    path("account/", accounts_api.AccountApi.as_view(), name="account"),
    path("account/emails/", accounts_api.AccountEmailsApi.as_view(), name="account-emails"),
    path("account/events/", accounts_api.AccountEventsApi.as_view(), name="account-events"),
]
