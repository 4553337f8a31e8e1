"""Every /api/v1/ route, listed in one place."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import api as accounts_api
from organizations import api as organizations_api
from packages import api as packages_api
from packages import organization_api
from publishing import api as publishing_api
from tokens import api as tokens_api
from tokens import organization_api as organization_tokens_api

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
    # Moving a project into or out of an organization.
    path(
        "projects/<str:name>/transfer/",
        organization_api.ProjectTransferApi.as_view(),
        name="project-transfer",
    ),
    # Organizations: members, teams, team roles on projects, tokens, history.
    path(
        "organizations/",
        organizations_api.OrganizationListCreateApi.as_view(),
        name="organizations",
    ),
    path(
        "organizations/<str:org>/",
        organizations_api.OrganizationDetailApi.as_view(),
        name="organization",
    ),
    path(
        "organizations/<str:org>/members/",
        organizations_api.MemberListApi.as_view(),
        name="organization-members",
    ),
    path(
        "organizations/<str:org>/members/<str:username>/",
        organizations_api.MemberDetailApi.as_view(),
        name="organization-member",
    ),
    path(
        "organizations/<str:org>/publishers/",
        publishing_api.OrganizationPublisherListApi.as_view(),
        name="organization-publishers",
    ),
    path(
        "organizations/<str:org>/publishers/<int:publisher_id>/",
        publishing_api.OrganizationPublisherDetailApi.as_view(),
        name="organization-publisher",
    ),
    path(
        "organizations/<str:org>/teams/",
        organizations_api.TeamListApi.as_view(),
        name="organization-teams",
    ),
    path(
        "organizations/<str:org>/teams/<str:team>/",
        organizations_api.TeamDetailApi.as_view(),
        name="organization-team",
    ),
    path(
        "organizations/<str:org>/teams/<str:team>/members/<str:username>/",
        organizations_api.TeamMemberApi.as_view(),
        name="organization-team-member",
    ),
    path(
        "organizations/<str:org>/teams/<str:team>/projects/<str:project>/",
        organization_api.TeamProjectRoleApi.as_view(),
        name="organization-team-project",
    ),
    path(
        "organizations/<str:org>/tokens/",
        organization_tokens_api.OrganizationTokenListCreateApi.as_view(),
        name="organization-tokens",
    ),
    path(
        "organizations/<str:org>/tokens/<int:token_id>/",
        organization_tokens_api.OrganizationTokenRevokeApi.as_view(),
        name="organization-token",
    ),
    path(
        "organizations/<str:org>/events/",
        organizations_api.OrganizationEventsApi.as_view(),
        name="organization-events",
    ),
    # The caller's pending invitations to projects and organizations.
    path("invitations/", organization_api.InvitationListApi.as_view(), name="invitations"),
    path(
        "invitations/<str:invitation_id>/accept/",
        organization_api.InvitationAcceptApi.as_view(),
        name="invitation-accept",
    ),
    path(
        "invitations/<str:invitation_id>/decline/",
        organization_api.InvitationDeclineApi.as_view(),
        name="invitation-decline",
    ),
]
