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

from core.permissions import Action, can  # noqa: E402
from core.principals import Kind, Principal  # noqa: E402
from packages.models import Project, Role  # noqa: E402
from recovery.permissions import SUPPORT_STAFF_GROUP, ensure_support_staff_group  # noqa: E402
from tests.factories import AccessTokenFactory, TokenFactory, UserFactory  # noqa: E402
from tokens.authentication import principal_for_token  # noqa: E402

pytestmark = pytest.mark.django_db

A = Action
PROJECT_OWNER = set(a for a in Action if a.value.startswith("project:"))
SENSITIVE_PROJECT = {A.MANAGE_ROLES, A.DELETE, A.MANAGE_PUBLISHERS}
OWN_ACCOUNT = {A.TOKEN_CREATE, A.TOKEN_REVOKE}
RECOVERY = {A.RECOVERY_VIEW, A.RECOVERY_REVIEW, A.RECOVERY_APPROVE}
TAKEDOWN = {A.TAKEDOWN_QUARANTINE, A.TAKEDOWN_REMOVE}  # support staff; freezing: superusers

# What each persona may do to the project "demo" (Owner: owner; Maintainer: maintainer) and
# to the owner's account-wide token (TOKEN_REVOKE). Everything not listed is refused.
EXPECTED: dict[str, set[Action]] = {
    "anonymous": set(),
    "signed-in user, no role": {A.TOKEN_CREATE},
    "Maintainer": {A.UPLOAD, A.VIEW_MANAGE, A.VIEW_ROLES, A.LEAVE, A.TOKEN_CREATE},
    "Owner": PROJECT_OWNER | OWN_ACCOUNT,
    "Owner, password entered long ago": (PROJECT_OWNER - SENSITIVE_PROJECT) | {A.TOKEN_REVOKE},
    "Owner's API access token (fresh)": (PROJECT_OWNER - {A.UPLOAD}) | OWN_ACCOUNT,
    "Owner's token scoped to demo": {A.UPLOAD},
    "Owner's token scoped to another project": set(),
    "Owner's expired token": set(),
    "trusted publisher of demo": {A.UPLOAD},
    "support staff": {A.TOKEN_CREATE} | RECOVERY | TAKEDOWN,
    "superuser": {A.TOKEN_CREATE} | RECOVERY | TAKEDOWN | {A.TAKEDOWN_FREEZE},
}


@pytest.fixture
def world():
    owner = UserFactory(verified=True)
    maintainer = UserFactory(verified=True)
    project = Project.objects.create(name="demo", normalized_name="demo")
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
    }
    targets = {"project": project, "token": TokenFactory(user=owner)}
    return personas, targets


def _target(action: Action, targets: dict):
    if action.value.startswith("project:"):
        return targets["project"]
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
