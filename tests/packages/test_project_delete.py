"""Deleting a project from its management page: re-authentication, Owners only, the typed name."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from accounts.models import AccountEvent
from packages.models import File, FilenameUse, Project, Role
from tests.conftest import mark_reauthenticated
from tests.packages.conftest import sdist, upload, wheel

pytestmark = pytest.mark.django_db

PAGE = "/manage/project/demo-pkg/"
DELETE = {"action": "delete_project", "confirm": "demo-pkg"}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_page_offers_deletion_to_owners_only(project, owner, maintainer):
    assert "Delete demo-pkg" in signed_in(owner).get(PAGE).content.decode()
    assert "Delete demo-pkg" not in signed_in(maintainer).get(PAGE).content.decode()


def test_delete_asks_to_reauthenticate_first(project, owner):
    response = signed_in(owner).post(PAGE, DELETE, HTTP_REFERER="http://testserver" + PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/manage/account/reauthenticate/?next=")
    assert "manage%2Fproject%2Fdemo-pkg" in response["Location"]
    assert Project.objects.filter(pk=project.pk).exists()


def test_maintainer_cannot_delete(project, maintainer, mailoutbox):
    response = mark_reauthenticated(signed_in(maintainer)).post(PAGE, DELETE, follow=True)
    assert messages_of(response) == [
        "only an Owner of 'demo-pkg' can do that: ask one of its Owners."
    ]
    assert Project.objects.filter(pk=project.pk).exists()
    assert not AccountEvent.objects.filter(tag="account:project:deleted").exists()
    assert mailoutbox == []


def test_outsider_gets_not_found(project, outsider):
    response = mark_reauthenticated(signed_in(outsider)).post(PAGE, DELETE)
    assert response.status_code == 404
    assert Project.objects.filter(pk=project.pk).exists()


@pytest.mark.parametrize("typed", ["", "demo", "Demo-Pkg", "demo_pkg", "x" * 5000])
def test_wrong_confirmation_says_what_to_type(project, owner, typed):
    response = mark_reauthenticated(signed_in(owner)).post(
        PAGE, {"action": "delete_project", "confirm": typed}, follow=True
    )
    assert messages_of(response) == [
        "to delete project demo-pkg, type its name 'demo-pkg' exactly in the confirmation box."
    ]
    assert Project.objects.filter(pk=project.pk).exists()


def test_owner_deletes_project(client, project, owner, maintainer, files_storage, mailoutbox):
    owner_wheel = wheel("demo-pkg", "1.0")
    for dist in (owner_wheel, sdist("demo-pkg", "1.0"), wheel("demo-pkg", "2.0")):
        assert upload(client, dist, owner.username).status_code == 200
    assert len(stored_files(files_storage)) == 5  # three files, two wheel METADATA files
    # Cache the pages that must disappear.
    assert client.get("/simple/demo-pkg/").status_code == 200
    assert "demo-pkg" in client.get("/simple/").content.decode()
    mailoutbox.clear()

    response = mark_reauthenticated(signed_in(owner)).post(PAGE, DELETE, follow=True)

    assert response.redirect_chain[-1][0] == "/manage/projects/"
    assert messages_of(response) == ["Deleted the project demo-pkg."]
    assert not Project.objects.exists() and not File.objects.exists()
    assert not Role.objects.exists()
    assert stored_files(files_storage) == []
    assert client.get("/simple/demo-pkg/").status_code == 404
    assert "demo-pkg" not in client.get("/simple/").content.decode()
    assert client.get("/project/demo-pkg/").status_code == 404
    assert client.get("/pypi/demo-pkg/json").status_code == 404
    assert FilenameUse.objects.filter(project_name="demo-pkg").count() == 3

    events = {e.user: e for e in AccountEvent.objects.filter(tag="account:project:deleted")}
    assert set(events) == {owner, maintainer}
    assert events[maintainer].details == {
        "project": "demo-pkg",
        "role": "Maintainer",
        "deleted_by": owner.username,
        "releases": 2,
        "files": 3,
    }
    history = signed_in(maintainer).get("/manage/account/").content.decode()
    assert f"The project demo-pkg was deleted by {owner.username}" in history

    (mail,) = mailoutbox
    assert mail.subject.endswith("demo-pkg was deleted")
    assert set(mail.to) == {owner.email, maintainer.email}
    assert f"{owner.username} deleted the project demo-pkg" in mail.body


def test_deleted_filenames_stay_used_but_the_name_is_free(client, project, owner, outsider):
    old = wheel("demo-pkg", "1.0")
    assert upload(client, old, owner.username).status_code == 200
    mark_reauthenticated(signed_in(owner)).post(PAGE, DELETE)
    assert not Project.objects.exists()

    response = upload(client, old, owner.username)
    assert response.status_code == 400
    assert "filenames can't be reused, so bump the version" in response.reason_phrase

    # As on PyPI, anyone may register the name again, and they own the new project.
    assert upload(client, wheel("demo-pkg", "1.1"), outsider.username).status_code == 200
    new = Project.objects.get(normalized_name="demo-pkg")
    assert list(new.roles.values_list("user", "role")) == [(outsider.pk, "Owner")]
    assert client.get("/simple/demo-pkg/").status_code == 200


def test_deleting_revokes_collaborators_tokens_scoped_to_it(project, owner, maintainer, outsider):
    from tests.factories import TokenFactory

    scoped = TokenFactory(user=maintainer, projects=[project])
    shared = TokenFactory(user=owner, projects=[project, "other-pkg"])
    account_wide = TokenFactory(user=owner)
    strangers = TokenFactory(user=outsider, projects=["demo-pkg"])

    mark_reauthenticated(signed_in(owner)).post(PAGE, DELETE)

    for token in (scoped, shared, account_wide, strangers):
        token.refresh_from_db()
    assert scoped.revoked_reason == 'project "demo-pkg" was deleted'
    assert shared.revoked_at is not None
    assert account_wide.revoked_at is None
    assert strangers.revoked_at is None
    assert AccountEvent.objects.filter(user=maintainer, tag="account:token:revoked").exists()
