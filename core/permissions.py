"""Every permission in Wharf: one Action enum and one `can(principal, action, target)`.

Views, the API, admin, uploads, services and tasks all ask `can()`; the rules below are the
only place a permission is decided, and tests/test_permission_matrix.py walks them all.

The rules read facts from the principal (core.principals) and from the target by duck
typing, so this module imports no app:
- a project (or `NewProject` for an upload that would create one): `normalized_name`,
  `name`, `require_two_factor`, `role_of(user)` → "Owner", "Maintainer" or None (the
  strongest of the user's roles on it), and `quarantined_at` (set: uploads refused);
- a project may also answer `organization` (None, or an organization as below): its
  `require_two_factor` policy applies to everyone acting on the project;
- an organization: `pk`, `name`, `is_active`, `require_two_factor`, `role_of(user)` →
  "Owner", "Manager", "Member" or None;
- a token: `user_id`;
- a user: `has_verified_email`, `has_two_factor`, `is_active`, `is_staff`, `has_perm()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.conf import settings

from .errors import NotAllowed
from .principals import Kind, Principal, as_principal
from .urls import absolute_url

OWNER = "Owner"
MAINTAINER = "Maintainer"


class Action(StrEnum):
    # A project (target: the project; for UPLOAD also NewProject).
    UPLOAD = "project:upload"
    VIEW_MANAGE = "project:view_manage"  # the project's management pages
    VIEW_ROLES = "project:view_roles"
    VIEW_PROJECT_TOKENS = "project:view_tokens"  # the collaborators' tokens for it
    LEAVE = "project:leave"
    MANAGE_ROLES = "project:manage_roles"  # invite, change, remove (changes who controls it)
    YANK = "project:yank"
    DELETE = "project:delete"  # the project, a release or a file
    MANAGE_SETTINGS = "project:settings"
    # Add or remove trusted publishers, set trusted-publishing-only (changes who can publish;
    # on a NewProject: register a pending publisher for a name nobody owns yet).
    MANAGE_PUBLISHERS = "project:manage_publishers"
    PROJECT_TRANSFER = "project:transfer"  # move it into an organization (its Owners)
    # An organization (target: the organization; for ORGANIZATION_CREATE: None).
    ORGANIZATION_CREATE = "organization:create"
    ORGANIZATION_VIEW = "organization:view_manage"  # its management pages, members, teams
    ORGANIZATION_LEAVE = "organization:leave"
    ORGANIZATION_MANAGE_MEMBERS = "organization:manage_members"  # Members and Managers
    ORGANIZATION_MANAGE_OWNERS = "organization:manage_owners"  # invite, promote, remove Owners
    ORGANIZATION_MANAGE_TEAMS = "organization:manage_teams"  # teams, their members and roles
    ORGANIZATION_MANAGE_PROJECTS = "organization:manage_projects"  # transfer projects in
    ORGANIZATION_TRANSFER_OUT = "organization:transfer_out"  # give a project back to a person
    ORGANIZATION_MANAGE_TOKENS = "organization:manage_tokens"  # list and revoke its tokens
    # Trusted publishers registered for the organization: pending ones for names it does not
    # own yet (the first use creates the project in the organization), and its projects'.
    ORGANIZATION_MANAGE_PUBLISHERS = "organization:manage_publishers"
    ORGANIZATION_TOKEN_CREATE = "organization:token_create"
    ORGANIZATION_SETTINGS = "organization:settings"  # description, policies
    ORGANIZATION_HISTORY = "organization:history"  # its audit events
    ORGANIZATION_DELETE = "organization:delete"
    # The acting account (target: None, or the token).
    TOKEN_CREATE = "account:token_create"
    TOKEN_REVOKE = "account:token_revoke"
    # Account recovery, for support staff (target: None or a ticket).
    RECOVERY_VIEW = "recovery:view"  # see tickets, their evidence and the account under claim
    RECOVERY_REVIEW = "recovery:review"  # assign, note, ask, challenge, reject, mark spam
    RECOVERY_APPROVE = "recovery:approve"  # approve with remedies
    # Takedowns, for staff (target: the project, release, file or user).
    TAKEDOWN_QUARANTINE = "takedown:quarantine"  # quarantine a project, or lift it
    TAKEDOWN_REMOVE = "takedown:remove"  # remove a release or a file, with a reason
    TAKEDOWN_FREEZE = "takedown:freeze"  # freeze an account, or thaw it


# What each project role may do.
ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    OWNER: frozenset(
        {
            Action.UPLOAD,
            Action.VIEW_MANAGE,
            Action.VIEW_ROLES,
            Action.VIEW_PROJECT_TOKENS,
            Action.LEAVE,
            Action.MANAGE_ROLES,
            Action.YANK,
            Action.DELETE,
            Action.MANAGE_SETTINGS,
            Action.MANAGE_PUBLISHERS,
            Action.PROJECT_TRANSFER,
        }
    ),
    MAINTAINER: frozenset({Action.UPLOAD, Action.VIEW_MANAGE, Action.VIEW_ROLES, Action.LEAVE}),
}

ORGANIZATION_OWNER = "Owner"
ORGANIZATION_MANAGER = "Manager"
ORGANIZATION_MEMBER = "Member"

_ORGANIZATION_MEMBER_ACTIONS = frozenset({Action.ORGANIZATION_VIEW, Action.ORGANIZATION_LEAVE})
_ORGANIZATION_MANAGER_ACTIONS = _ORGANIZATION_MEMBER_ACTIONS | {
    Action.ORGANIZATION_MANAGE_MEMBERS,
    Action.ORGANIZATION_MANAGE_TEAMS,
    Action.ORGANIZATION_MANAGE_PROJECTS,
    Action.ORGANIZATION_MANAGE_TOKENS,
    Action.ORGANIZATION_TOKEN_CREATE,
    Action.ORGANIZATION_MANAGE_PUBLISHERS,
}
# What each organization role may do to the organization (projects: through role_of()).
ORGANIZATION_ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    ORGANIZATION_OWNER: frozenset(
        a for a in Action if a.value.startswith("organization:") and a != Action.ORGANIZATION_CREATE
    ),
    ORGANIZATION_MANAGER: _ORGANIZATION_MANAGER_ACTIONS,
    ORGANIZATION_MEMBER: _ORGANIZATION_MEMBER_ACTIONS,
}

# Changes of who controls a project or an account: the password (and second factor) must
# have been entered moments ago, on the web and the API alike.
SENSITIVE: frozenset[Action] = frozenset(
    {
        Action.MANAGE_ROLES,
        Action.DELETE,
        Action.TOKEN_CREATE,
        Action.MANAGE_PUBLISHERS,
        Action.PROJECT_TRANSFER,
        Action.ORGANIZATION_MANAGE_MEMBERS,
        Action.ORGANIZATION_MANAGE_OWNERS,
        Action.ORGANIZATION_MANAGE_TEAMS,
        Action.ORGANIZATION_MANAGE_PROJECTS,
        Action.ORGANIZATION_TRANSFER_OUT,
        Action.ORGANIZATION_TOKEN_CREATE,
        Action.ORGANIZATION_MANAGE_PUBLISHERS,
        Action.ORGANIZATION_DELETE,
    }
)

# The Django permission support staff hold for each recovery action.
RECOVERY_PERMISSIONS: dict[Action, str] = {
    Action.RECOVERY_VIEW: "recovery.view_ticket",
    Action.RECOVERY_REVIEW: "recovery.review_ticket",
    Action.RECOVERY_APPROVE: "recovery.approve_ticket",
}

# Takedowns: support staff hold packages.takedown (quarantine, removal); freezing an account
# locks a person out of everything, so it is for superusers only.
TAKEDOWN_PERMISSIONS: dict[Action, str | None] = {
    Action.TAKEDOWN_QUARANTINE: "packages.takedown",
    Action.TAKEDOWN_REMOVE: "packages.takedown",
    Action.TAKEDOWN_FREEZE: None,
}


@dataclass(frozen=True)
class Decision:
    """can()'s answer: truthy when allowed; a refusal carries the message the user sees."""

    allowed: bool
    message: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Decision(True)


@dataclass(frozen=True)
class NewProject:
    """The target of an upload that would register a new project."""

    name: str
    normalized_name: str
    require_two_factor: bool = False
    pk: None = None

    def role_of(self, user: Any) -> str | None:
        return None


def tokens_are_for_uploads() -> str:
    return (
        "API tokens are for uploads only (twine to /legacy/) and cannot call the API. "
        "Use your username and password with HTTP Basic (plus a code from your authenticator "
        "app in the X-OTP header when two-factor authentication is on), an API access token "
        "from POST /api/v1/auth/session-token/, or a signed-in browser."
    )


def reauthenticate_message() -> str:
    return (
        "confirm it's you first: re-enter your password (and second factor) at "
        f"{absolute_url('accounts:reauthenticate')} and retry; from a script, call with "
        "HTTP Basic and X-OTP, or with an API access token minted in the last "
        f"{settings.REAUTH_MAX_AGE // 60} minutes."
    )


def _deny(message: str) -> Decision:
    return Decision(False, message)


def _two_factor_fix(upload: bool) -> str:
    fix = f"turn it on at {absolute_url('accounts:two_factor')}"
    return f"{fix} and upload with an API token" if upload else f"{fix} and try again"


def _organization_two_factor(principal: Principal, project: Any, *, upload: bool) -> Decision:
    """An organization requiring two-factor refuses its projects to people without it."""
    organization = getattr(project, "organization", None)
    if (
        principal.user is not None
        and organization is not None
        and organization.require_two_factor
        and not principal.has_two_factor
    ):
        return _deny(
            f"organization '{organization.name}' requires two-factor authentication of everyone "
            f"who uploads to or manages its projects, and user '{principal.user.username}' has "
            f"none: {_two_factor_fix(upload)}."
        )
    return ALLOWED


def _organization_token_upload(principal: Principal, project: Any) -> Decision:
    """Acting for an organization: its projects, and new names it registers by uploading."""
    organization = principal.organization
    if organization is None or not organization.is_active:
        return _deny(
            f"the organization of this token ('{organization}') is not active, so its tokens "
            "cannot upload: ask the index's staff."
        )
    if project.pk is None:
        return ALLOWED  # the first upload registers the name for the organization
    if getattr(project, "organization_id", None) != organization.pk:
        return _deny(
            f"project '{project.name}' does not belong to organization '{organization.name}', "
            "so its organization tokens cannot upload to it: an Owner of the project can "
            f"transfer it into the organization, or upload with a personal token."
        )
    return ALLOWED


def _upload(principal: Principal, project: Any) -> Decision:
    """Uploads: verified email, token scope, two-factor policies, then the role."""
    user = principal.user
    name = project.normalized_name
    if user is not None and not user.has_verified_email:
        return _deny(
            f"user '{user.username}' has no verified email address: verify one at "
            f"{absolute_url('account_email')} before uploading."
        )
    if principal.scope is not None and name not in principal.scope:
        scope = ", ".join(f'"{n}"' for n in sorted(principal.scope))
        if project.pk is not None:
            return _deny(
                f'the token is scoped to {scope}; it cannot upload to "{name}". Use a token '
                f'scoped to "{name}" or an account-wide token.'
            )
        return _deny(
            f'the token is scoped to {scope}; it cannot create the new project "{name}". '
            f'Create a token scoped to "{name}" (or an account-wide token) to register it.'
        )
    if principal.kind == Kind.PUBLISHER:
        # Its token names the one project the publisher proved (a pending publisher's
        # project is created when the token is minted, so it always exists by now).
        if project.pk is None or principal.scope is None:
            return _deny(
                f"{principal.label} can only publish its own project, not create "
                f"'{project.name}': register a pending publisher for that name."
            )
        return ALLOWED
    if getattr(project, "require_trusted_publishing", False):
        return _deny(
            f"project '{project.name}' accepts uploads only from its trusted publishers (CI "
            "workflows), not with personal or organization tokens: publish from its CI "
            "workflow, or ask an Owner to change that at "
            f"{absolute_url('publishing:project', project.normalized_name)}."
        )
    if principal.user is None and principal.organization is not None:
        # An organization token, or a trusted publisher the organization registered.
        return _organization_token_upload(principal, project)
    if user is not None:
        turn_on = _two_factor_fix(upload=True)
        if settings.TWO_FACTOR_REQUIRED_TO_PUBLISH and not principal.has_two_factor:
            return _deny(
                f"two-factor authentication is required to publish on this index: {turn_on}."
            )
        if project.require_two_factor and not principal.has_two_factor:
            return _deny(
                f"project '{project.name}' requires two-factor authentication for its "
                f"collaborators: {turn_on}."
            )
    if getattr(project, "quarantined_at", None) is not None:
        return _deny(
            f"project '{project.name}' is quarantined by the index's staff, so uploads to it "
            "are refused: its Owners were told why by email; reply to the staff to lift it."
        )
    if project.pk is None:
        return ALLOWED  # a new name: whoever may upload may register it
    if user is not None and Action.UPLOAD in ROLE_ACTIONS.get(project.role_of(user) or "", ()):
        return _organization_two_factor(principal, project, upload=True)
    who = f"user '{user.username}'" if user is not None else principal.label
    organization = getattr(project, "organization", None)
    if organization is not None:
        return _deny(
            f"{who} isn't allowed to upload to project '{project.name}': it belongs to "
            f"organization '{organization.name}' and {who} has no role on it (not an Owner "
            "of the organization, not in a team with access, no role of their own): ask an "
            f"Owner of '{organization.name}' "
            f"({absolute_url('organizations:page', organization.normalized_name)})."
        )
    return _deny(
        f"{who} isn't allowed to upload to project '{project.name}': ask one of its Owners "
        f"to invite you ({absolute_url('packages:project', project.normalized_name)})."
    )


def _project_refusal(action: Action, project: Any) -> str:
    if action == Action.VIEW_ROLES:
        return (
            f'only collaborators of "{project.name}" can list its roles; '
            "ask one of its Owners to invite you."
        )
    if action in (Action.VIEW_MANAGE, Action.LEAVE):
        return f"you have no role on '{project.name}': ask one of its Owners to invite you."
    return f"only an Owner of '{project.name}' can do that: ask one of its Owners."


def _pending_publisher(principal: Principal, project: Any) -> Decision:
    """A name nobody owns yet: any account with a verified address may register a pending
    publisher for it (its first use creates the project, owned by that account)."""
    user = principal.user
    if user is None:
        return _deny("sign in first: a pending publisher belongs to an account.")
    if not user.has_verified_email:
        return _deny(
            f"verify an email address at {absolute_url('account_email')} before registering "
            f"a trusted publisher for the new project '{project.name}'."
        )
    return ALLOWED


def _project(principal: Principal, action: Action, project: Any) -> Decision:
    if action == Action.UPLOAD:
        return _upload(principal, project)
    user = principal.user
    if action == Action.MANAGE_PUBLISHERS and project.pk is None:
        return _pending_publisher(principal, project)
    role = project.role_of(user) if user is not None and project.pk is not None else None
    if action not in ROLE_ACTIONS.get(role or "", ()):
        return _deny(_project_refusal(action, project))
    if action in (Action.VIEW_MANAGE, Action.VIEW_ROLES, Action.LEAVE):
        return ALLOWED  # a non-compliant member can still see the fix and leave
    return _organization_two_factor(principal, project, upload=False)


def _organization_refusal(action: Action, organization: Any, role: str | None) -> str:
    name = organization.name
    if role is None:
        return (
            f"you are not a member of organization '{name}': ask one of its Owners to invite you."
        )
    if action in ORGANIZATION_ROLE_ACTIONS[ORGANIZATION_MANAGER]:
        return (
            f"only Owners and Managers of organization '{name}' can do that (you are "
            f"{role}): ask one of its Owners."
        )
    return f"only Owners of organization '{name}' can do that (you are {role}): ask one of them."


def _organization(principal: Principal, action: Action, organization: Any) -> Decision:
    user = principal.user
    if action == Action.ORGANIZATION_CREATE:
        if user is None:
            return _deny("sign in first: organizations are created by people.")
        if not user.has_verified_email:
            return _deny(
                "verify an email address before creating an organization: "
                f"{absolute_url('account_email')}."
            )
        if not principal.has_two_factor:
            return _deny(
                "creating an organization needs two-factor authentication on your account: "
                f"turn it on at {absolute_url('accounts:two_factor')}, then create it."
            )
        return ALLOWED
    role = organization.role_of(user) if user is not None else None
    if action not in ORGANIZATION_ROLE_ACTIONS.get(role or "", ()):
        return _deny(_organization_refusal(action, organization, role))
    if not organization.is_active and action not in (
        Action.ORGANIZATION_VIEW,
        Action.ORGANIZATION_LEAVE,
        Action.ORGANIZATION_HISTORY,
        Action.ORGANIZATION_DELETE,
    ):
        return _deny(
            f"organization '{organization.name}' is not active (waiting for approval, "
            "declined or deactivated): nothing can change until the index's staff activate it."
        )
    return ALLOWED


def _account(principal: Principal, action: Action, target: Any) -> Decision:
    if principal.user is None:
        return _deny("sign in first: only an account's owner can manage its tokens.")
    if action == Action.TOKEN_REVOKE and getattr(target, "user_id", None) != principal.user.pk:
        # Same answer as for a token that does not exist: nothing about other accounts.
        return _deny("no such token: it may have been deleted; reload your token list.")
    return ALLOWED


def _recovery(principal: Principal, action: Action, target: Any) -> Decision:
    user = principal.user
    if (
        principal.kind not in (Kind.SESSION, Kind.SYSTEM)
        or user is None
        or not user.is_active
        or not user.is_staff
        or not user.has_perm(RECOVERY_PERMISSIONS[action])
    ):
        verb = action.value.split(":")[1]
        return _deny(
            f"You do not have the permission to {verb} recovery tickets; ask an "
            "administrator to add you to the Support staff group."
        )
    return ALLOWED


def _takedown(principal: Principal, action: Action, target: Any) -> Decision:
    user = principal.user
    staff = (
        principal.kind in (Kind.SESSION, Kind.SYSTEM)
        and user is not None
        and user.is_active
        and user.is_staff
    )
    permission = TAKEDOWN_PERMISSIONS[action]
    if permission is None:
        if not (staff and user.is_superuser):
            return _deny("Only a superuser can freeze or thaw an account; ask an administrator.")
        if getattr(target, "pk", None) == user.pk:
            return _deny("You cannot freeze your own account; ask another administrator.")
        return ALLOWED
    if not (staff and user.has_perm(permission)):
        return _deny(
            "You do not have the permission to take projects, releases or files down; ask an "
            "administrator to add you to the Support staff group."
        )
    return ALLOWED


def can(actor: Principal | Any, action: Action, target: Any = None) -> Decision:
    """May actor (a Principal, or a user handed to a service) do action on target?"""
    principal = as_principal(actor)
    if not principal.is_authenticated:
        return _deny("sign in first: this needs an account.")
    user = principal.user
    if user is not None and not user.is_active:
        return _deny("this account is disabled; contact support.")
    if principal.token is not None and not getattr(principal.token, "is_active", True):
        # The resolver refuses these already; a principal kept past its token's end acts no more.
        return _deny("this token was revoked or has expired: create a new one.")
    if principal.is_upload_token and action != Action.UPLOAD:
        return _deny(tokens_are_for_uploads())
    if principal.kind == Kind.ACCESS_TOKEN and action == Action.UPLOAD:
        return _deny(
            "an API access token calls the API but never uploads: upload with username "
            f"__token__ and an API token from {absolute_url('tokens:list')}"
        )
    if action.value.startswith("recovery:"):
        return _recovery(principal, action, target)
    if action.value.startswith("takedown:"):
        return _takedown(principal, action, target)
    if action.value.startswith("account:"):
        decision = _account(principal, action, target)
    elif action.value.startswith("organization:"):
        decision = _organization(principal, action, target)
    else:
        decision = _project(principal, action, target)
    if decision and action in SENSITIVE and not principal.recently_authenticated:
        return _deny(reauthenticate_message())
    return decision


def require(actor: Principal | Any, action: Action, target: Any = None) -> None:
    """Raise NotAllowed with can()'s message unless actor may do action on target."""
    decision = can(actor, action, target)
    if not decision:
        raise NotAllowed(decision.message)
