from __future__ import annotations

from django.urls import path

from . import leaks, organization_views, trusted_publishing, views

app_name = "tokens"

urlpatterns = [
    path("manage/account/tokens/", views.token_list, name="list"),
    path("manage/account/tokens/new/", views.token_create, name="create"),
    path("manage/account/tokens/<int:pk>/revoke/", views.token_revoke, name="revoke"),
    path("manage/project/<str:name>/tokens/", views.project_tokens, name="project"),
    path(
        "manage/project/<str:name>/tokens/new/", views.project_token_create, name="project_create"
    ),
    path("manage/account/sessions/", views.sessions, name="sessions"),
    path("manage/account/sessions/<int:pk>/end/", views.session_end, name="session_end"),
    path(
        "manage/account/sessions/end-others/",
        views.sessions_end_others,
        name="sessions_end_others",
    ),
    path(
        "manage/account/sessions/access-tokens/<int:pk>/revoke/",
        views.access_token_revoke,
        name="access_token_revoke",
    ),
    path(
        "manage/organization/<str:org>/tokens/",
        organization_views.organization_tokens,
        name="organization-tokens",
    ),
    path("_/secrets/disclose-token", leaks.disclose_token, name="disclose"),
    path("_/github/disclose-token", leaks.disclose_token, name="disclose_github"),
    # Trusted publishing, PyPI-compatible: a CI job's OIDC token for an upload token.
    path("_/oidc/audience", trusted_publishing.audience, name="oidc_audience"),
    path("_/oidc/mint-token", trusted_publishing.mint_token, name="oidc_mint"),
    path("_/oidc/burn-token", trusted_publishing.burn_token, name="oidc_burn"),
    path(
        "manage/project/<str:name>/tokens/minted/<int:pk>/revoke/",
        trusted_publishing.revoke_minted,
        name="revoke_minted",
    ),
]
