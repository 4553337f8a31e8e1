from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import AccountEvent
from core.errors import NotAllowed, NotFound, WharfError
from tests.factories import TokenFactory, UserFactory
from tokens import secrets as token_secrets
from tokens.models import Token
from tokens.services import token_create, token_revoke

pytestmark = pytest.mark.django_db


def test_create_stores_only_a_hash_and_records_the_event(
    user, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        token, raw = token_create(
            user=user, name="laptop", projects=["Foo.Bar", "foo_bar", "new-one"]
        )
    stored = Token.objects.get(pk=token.pk)
    assert stored.projects == ["foo-bar", "new-one"]
    assert raw not in stored.secret_hash and token_secrets.matches(raw, stored.secret_hash)
    event = AccountEvent.objects.get(user=user, tag="account:token:created")
    assert event.details["name"] == "laptop"
    assert [m.subject for m in mailoutbox] == ['[Wharf] A new API token "laptop" was created']
    assert raw not in mailoutbox[0].body


def test_create_refuses_past_expiry_and_bad_names(user) -> None:
    with pytest.raises(WharfError, match="future date"):
        token_create(user=user, name="x", expires_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(WharfError, match="not a valid project name"):
        token_create(user=user, name="x", projects=["-bad-"])
    with pytest.raises(WharfError, match="give the token a name"):
        token_create(user=user, name="   ")


def test_create_needs_a_verified_email() -> None:
    with pytest.raises(NotAllowed, match="verify an email address"):
        token_create(user=UserFactory(unverified=True), name="x")


def test_revoke_is_emailed_and_only_for_the_owner(
    user, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    token = TokenFactory(user=user)
    with pytest.raises(NotFound, match="no such token"):
        token_revoke(token=token, by=UserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        token_revoke(token=token, by=user)
    token.refresh_from_db()
    assert token.is_revoked and token.status == "revoked"
    assert AccountEvent.objects.filter(user=user, tag="account:token:revoked").count() == 1
    assert "revoked" in mailoutbox[-1].subject


def test_upload_allowed_by_scope(user) -> None:
    from core.permissions import Action, NewProject, require
    from packages.models import Project, Role
    from tokens.authentication import principal_for_token

    def new(name: str) -> NewProject:
        return NewProject(name=name, normalized_name=name)

    alpha = Project.objects.create(name="alpha", normalized_name="alpha")
    beta = Project.objects.create(name="beta", normalized_name="beta")
    for project in (alpha, beta):
        Role.objects.create(project=project, user=user, role="Owner")
    wide = principal_for_token(TokenFactory(user=user, projects=[]))
    require(wide, Action.UPLOAD, new("anything"))
    require(wide, Action.UPLOAD, beta)
    scoped = principal_for_token(TokenFactory(user=user, projects=["alpha", "delta"]))
    require(scoped, Action.UPLOAD, alpha)
    require(scoped, Action.UPLOAD, new("delta"))
    with pytest.raises(NotAllowed, match='scoped to "alpha", "delta"; it cannot upload to "beta"'):
        require(scoped, Action.UPLOAD, beta)
    with pytest.raises(NotAllowed, match='cannot create the new project "gamma"'):
        require(scoped, Action.UPLOAD, new("gamma"))


def test_able_to_upload_to_selects_active_tokens_in_scope(user) -> None:
    wide = TokenFactory(user=user)
    alpha = TokenFactory(user=user, projects=["alpha"])
    TokenFactory(user=user, projects=["beta"])
    TokenFactory(user=user, expired=True)
    TokenFactory(user=user, revoked=True, projects=["alpha"])
    assert set(Token.objects.able_to_upload_to("alpha")) == {wide, alpha}
