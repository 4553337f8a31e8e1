"""Every permission of the product, walked as a table: persona × action → allowed or not.

core.permissions.can() is the only place a rule lives; this table is the only place a new
rule is added to the tests, and the README shows the same table (checked below).
"""

from __future__ import annotations

from pathlib import Path

import pytest

if __name__ == "__main__":
    import django

    django.setup()

from django.contrib.auth.models import Group  # noqa: E402

from core.permissions import SENSITIVE, Action, can  # noqa: E402
from core.principals import Kind, Principal  # noqa: E402
from organizations.models import OrganizationRole  # noqa: E402
from packages.models import Project, Role  # noqa: E402
from recovery.permissions import SUPPORT_STAFF_GROUP, ensure_support_staff_group  # noqa: E402
from tests.factories import (  # noqa: E402
    AccessTokenFactory,
    OrganizationFactory,
    OrganizationTokenFactory,
    TeamFactory,
    TeamMemberFactory,
    TeamProjectRoleFactory,
    TokenFactory,
    UserFactory,
)
from tokens.authentication import principal_for_token  # noqa: E402

pytestmark = pytest.mark.django_db

A = Action
PROJECT_OWNER = set(a for a in Action if a.value.startswith("project:"))
SENSITIVE_PROJECT = {A.MANAGE_ROLES, A.DELETE, A.MANAGE_PUBLISHERS, A.PROJECT_TRANSFER}
OWN_ACCOUNT = {A.TOKEN_CREATE, A.TOKEN_REVOKE}
RECOVERY = {A.RECOVERY_VIEW, A.RECOVERY_REVIEW, A.RECOVERY_APPROVE}
TAKEDOWN = {A.TAKEDOWN_QUARANTINE, A.TAKEDOWN_REMOVE}  # support staff; freezing: superusers
# The organization "acme" owns "demo"; its people have two-factor (they may create one).
ORG_MEMBER = {A.ORGANIZATION_VIEW, A.ORGANIZATION_LEAVE, A.ORGANIZATION_CREATE}
ORG_MANAGER = ORG_MEMBER | {
    A.ORGANIZATION_MANAGE_MEMBERS,
    A.ORGANIZATION_MANAGE_TEAMS,
    A.ORGANIZATION_MANAGE_PROJECTS,
    A.ORGANIZATION_MANAGE_TOKENS,
    A.ORGANIZATION_TOKEN_CREATE,
    A.ORGANIZATION_MANAGE_PUBLISHERS,
}
ORG_OWNER = set(a for a in Action if a.value.startswith("organization:"))
MAINTAINER = {A.UPLOAD, A.VIEW_MANAGE, A.VIEW_ROLES, A.LEAVE}

# What each persona may do to the project "demo" (Owner: owner; Maintainer: maintainer) and
# to the owner's account-wide token (TOKEN_REVOKE). Everything not listed is refused.
EXPECTED: dict[str, set[Action]] = {
    "anonymous": set(),
    "signed-in user, no role": {A.TOKEN_CREATE},
    "Maintainer": MAINTAINER | {A.TOKEN_CREATE},
    "Owner": PROJECT_OWNER | OWN_ACCOUNT,
    "Owner, password entered long ago": (PROJECT_OWNER - SENSITIVE_PROJECT) | {A.TOKEN_REVOKE},
    "Owner's API access token (fresh)": (PROJECT_OWNER - {A.UPLOAD}) | OWN_ACCOUNT,
    "Owner's token scoped to demo": {A.UPLOAD},
    "Owner's token scoped to another project": set(),
    "Owner's expired token": set(),
    "trusted publisher of demo": {A.UPLOAD},
    "support staff": {A.TOKEN_CREATE} | RECOVERY | TAKEDOWN,
    "superuser": {A.TOKEN_CREATE} | RECOVERY | TAKEDOWN | {A.TAKEDOWN_FREEZE},
    # Organizations: acme owns demo. An organization Owner is an Owner of every acme project.
    "organization Owner": PROJECT_OWNER | ORG_OWNER | {A.TOKEN_CREATE},
    "organization Manager": ORG_MANAGER | {A.TOKEN_CREATE},
    "organization Member": ORG_MEMBER | {A.TOKEN_CREATE},
    "organization Member, team Maintainer of demo": MAINTAINER | ORG_MEMBER | {A.TOKEN_CREATE},
    "organization Member, team Owner of demo": PROJECT_OWNER | ORG_MEMBER | {A.TOKEN_CREATE},
    "organization Owner, password entered long ago": (PROJECT_OWNER - SENSITIVE_PROJECT)
    | (ORG_OWNER - SENSITIVE)
    | {A.ORGANIZATION_CREATE},
    "acme's organization token": {A.UPLOAD},
    "another organization's token": set(),
}


@pytest.fixture
def world():
    owner = UserFactory(verified=True)
    maintainer = UserFactory(verified=True)
    acme = OrganizationFactory(name="acme")
    project = Project.objects.create(name="demo", normalized_name="demo", organization=acme)

    def in_acme(role: str, team_role: str | None = None):
        person = UserFactory(verified=True, with_totp=True)
        OrganizationRole.objects.create(organization=acme, user=person, role=role)
        if team_role is not None:
            team = TeamFactory(organization=acme)
            TeamMemberFactory(team=team, user=person)
            TeamProjectRoleFactory(team=team, project=project, role=team_role)
        return person

    org_owner = in_acme("Owner")
    Role.objects.create(project=project, user=owner, role="Owner")
    Role.objects.create(project=project, user=maintainer, role="Maintainer")
    ensure_support_staff_group()
    support = UserFactory(verified=True, staff=True)
    support.groups.add(Group.objects.get(name=SUPPORT_STAFF_GROUP))
    superuser = UserFactory(verified=True, staff=True, is_superuser=True)

    def session(user, fresh: bool = True) -> Principal:
        return Principal(
            kind=Kind.SESSION, user=user, second_factor=True, recently_authenticated=fresh
        )

    access = AccessTokenFactory(user=owner)
    personas = {
        "anonymous": Principal.anonymous(),
        "signed-in user, no role": session(UserFactory(verified=True)),
        "Maintainer": session(maintainer),
        "Owner": session(owner),
        "Owner, password entered long ago": session(owner, fresh=False),
        "Owner's API access token (fresh)": Principal(
            kind=Kind.ACCESS_TOKEN,
            user=owner,
            token=access,
            second_factor=True,
            recently_authenticated=access.is_fresh,
        ),
        "Owner's token scoped to demo": principal_for_token(
            TokenFactory(user=owner, projects=["demo"])
        ),
        "Owner's token scoped to another project": principal_for_token(
            TokenFactory(user=owner, projects=["other"])
        ),
        "Owner's expired token": principal_for_token(TokenFactory(user=owner, expired=True)),
        # A token minted by POST /_/oidc/mint-token for one of demo's trusted publishers.
        "trusted publisher of demo": principal_for_token(
            TokenFactory(user=None, projects=["demo"])
        ),
        "support staff": session(support),
        "superuser": session(superuser),
        "organization Owner": session(org_owner),
        "organization Manager": session(in_acme("Manager")),
        "organization Member": session(in_acme("Member")),
        "organization Member, team Maintainer of demo": session(in_acme("Member", "Maintainer")),
        "organization Member, team Owner of demo": session(in_acme("Member", "Owner")),
        "organization Owner, password entered long ago": session(org_owner, fresh=False),
        "acme's organization token": principal_for_token(
            OrganizationTokenFactory(organization=acme)
        ),
        "another organization's token": principal_for_token(OrganizationTokenFactory()),
    }
    targets = {"project": project, "token": TokenFactory(user=owner), "organization": acme}
    return personas, targets


def _target(action: Action, targets: dict):
    if action.value.startswith("project:"):
        return targets["project"]
    if action.value.startswith("organization:") and action != Action.ORGANIZATION_CREATE:
        return targets["organization"]
    if action == Action.TOKEN_REVOKE:
        return targets["token"]
    return None


@pytest.mark.parametrize("persona", list(EXPECTED))
def test_permission_matrix(world, persona):
    personas, targets = world
    principal = personas[persona]
    allowed = {action for action in Action if can(principal, action, _target(action, targets))}
    assert allowed == EXPECTED[persona]


@pytest.mark.parametrize("persona", list(EXPECTED))
def test_every_refusal_says_what_to_do(world, persona):
    personas, targets = world
    for action in set(Action) - EXPECTED[persona]:
        decision = can(personas[persona], action, _target(action, targets))
        assert not decision
        says_what_to_do = (
            "ask ",
            "sign in",
            "create ",
            "use ",
            "confirm",
            "verify",
            "turn it",
            "reload",
            "upload with",
        )
        assert any(words in decision.message.lower() for words in says_what_to_do), (
            action,
            decision.message,
        )


def render_matrix() -> str:
    """The table the README shows: one row per action, one column per persona."""
    personas = list(EXPECTED)
    lines = [
        "| action | " + " | ".join(personas) + " |",
        "|---|" + "---|" * len(personas),
    ]
    for action in Action:
        marks = ["✓" if action in EXPECTED[p] else "·" for p in personas]
        lines.append(f"| `{action.value}` | " + " | ".join(marks) + " |")
    return "\n".join(lines)


def test_readme_shows_the_matrix():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert render_matrix() in readme, "regenerate: python -m tests.test_permission_matrix"


if __name__ == "__main__":  # prints the README table: python -m tests.test_permission_matrix
    print(render_matrix())
