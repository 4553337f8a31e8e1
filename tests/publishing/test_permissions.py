"""can() for trusted publishing: who may manage publishers, and what a publisher may upload.

Persona × action × outcome, as tests/test_permission_matrix.py does for the other actions.
"""

from __future__ import annotations

import pytest

from core.permissions import Action, NewProject, can
from core.principals import Kind, Principal
from tests.factories import ProjectFactory, RoleFactory, TokenFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    project = ProjectFactory(name="alpha")
    people = {
        "owner": UserFactory(verified=True),
        "maintainer": UserFactory(verified=True),
        "outsider": UserFactory(verified=True),
        "unverified": UserFactory(unverified=True),
    }
    RoleFactory(project=project, user=people["owner"], role="Owner")
    RoleFactory(project=project, user=people["maintainer"], role="Maintainer")
    return project, people


def session(user, *, recent: bool = True) -> Principal:
    return Principal(
        kind=Kind.SESSION, user=user, second_factor=True, recently_authenticated=recent
    )


@pytest.mark.parametrize(
    ("persona", "recent", "on_project", "on_new_name"),
    [
        ("owner", True, True, True),
        ("owner", False, False, False),  # sensitive: re-authentication first
        ("maintainer", True, False, True),
        ("outsider", True, False, True),
        ("unverified", True, False, False),
    ],
)
def test_manage_publishers(world, persona, recent, on_project, on_new_name):
    project, people = world
    principal = session(people[persona], recent=recent)
    assert bool(can(principal, Action.MANAGE_PUBLISHERS, project)) is on_project
    new = NewProject(name="fresh", normalized_name="fresh")
    assert bool(can(principal, Action.MANAGE_PUBLISHERS, new)) is on_new_name


def test_refusals_say_what_to_do(world):
    project, people = world
    assert (
        "re-enter your password"
        in can(session(people["owner"], recent=False), Action.MANAGE_PUBLISHERS, project).message
    )
    assert (
        "ask one of its Owners"
        in can(session(people["maintainer"]), Action.MANAGE_PUBLISHERS, project).message
    )
    assert (
        "verify an email address"
        in can(
            session(people["unverified"]),
            Action.MANAGE_PUBLISHERS,
            NewProject(name="fresh", normalized_name="fresh"),
        ).message
    )


def publisher(project_name: str) -> Principal:
    token = TokenFactory(user=None, projects=[project_name])
    return Principal(
        kind=Kind.PUBLISHER, token=token, scope=frozenset({project_name}), publisher="run 1"
    )


def test_publisher_uploads_its_project_only(world):
    project, _ = world
    other = ProjectFactory(name="beta")
    assert can(publisher("alpha"), Action.UPLOAD, project)
    refused = can(publisher("alpha"), Action.UPLOAD, other)
    assert not refused and 'scoped to "alpha"' in refused.message
    assert not can(publisher("alpha"), Action.UPLOAD, NewProject("gamma", "gamma"))
    for action in (Action.MANAGE_PUBLISHERS, Action.VIEW_MANAGE, Action.TOKEN_CREATE):
        decision = can(publisher("alpha"), action, project)
        assert not decision and "uploads only" in decision.message


def test_trusted_publishing_only_refuses_people_not_the_publisher(world):
    project, people = world
    project.require_trusted_publishing = True
    project.save()
    token = TokenFactory(user=people["owner"], projects=[project])
    person = Principal(
        kind=Kind.API_TOKEN, user=people["owner"], token=token, scope=frozenset({"alpha"})
    )
    refused = can(person, Action.UPLOAD, project)
    assert not refused and "only from its trusted publishers" in refused.message
    assert can(publisher("alpha"), Action.UPLOAD, project)
