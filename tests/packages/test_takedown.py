"""Takedowns by staff through admin: quarantine, removal with a reason, freezing an account."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from accounts.freeze import account_freeze
from accounts.models import AccountEvent
from core.errors import NotAllowed
from packages import takedown
from packages.models import File, FilenameUse, Project, ProjectEvent, Release
from tests.conftest import login_verified
from tests.factories import TokenFactory, UserFactory
from tests.packages.conftest import basic_auth, upload, wheel

pytestmark = pytest.mark.django_db

JSON = "application/vnd.pypi.simple.v1+json"


def make_support(**kwargs):
    """Staff (not superuser) holding packages.takedown, with an authenticator app."""
    user = UserFactory(verified=True, staff=True, with_totp=True, **kwargs)
    user.user_permissions.add(Permission.objects.get(codename="takedown"))
    return user


@pytest.fixture
def support_client(db) -> Client:
    return login_verified(Client(), make_support())


@pytest.fixture
def published(client, owner) -> Project:
    assert upload(client, wheel("evil-pkg", "1.0"), owner.username).status_code == 200
    assert upload(client, wheel("evil-pkg", "2.0"), owner.username).status_code == 200
    return Project.objects.get()


def admin_action(client: Client, model: str, action: str, ids: list[int], reason: str | None):
    """Pick the action in the changelist, then give the reason on the page it shows."""
    url = f"/admin/{model}/"
    data = {"action": action, "_selected_action": [str(i) for i in ids]}
    first = client.post(url, data)
    if reason is None:
        return first
    assert first.status_code == 200 and b'name="reason"' in first.content
    return client.post(url, {**data, "confirm": "yes", "reason": reason}, follow=True)


def test_quarantine_hides_refuses_mails_and_is_lifted(
    support_client, client, owner, published, mailoutbox, pages_root
):
    response = admin_action(
        support_client, "packages/project", "quarantine", [published.pk], "malware in setup.py"
    )
    assert b"Quarantined: 1." in response.content
    published.refresh_from_db()
    assert published.quarantine_reason == "malware in setup.py"
    # Hidden from installers (pages, fast path files, Django views) and the JSON API.
    assert client.get("/simple/evil-pkg/").status_code == 404
    assert b"evil-pkg" not in client.get("/simple/").content
    assert b"evil-pkg" not in client.get("/simple/", HTTP_ACCEPT=JSON).content
    assert not (pages_root / "simple" / "evil-pkg" / "index.html").exists()
    assert b"evil-pkg" not in (pages_root / "simple" / "index.html").read_bytes()
    assert client.get("/pypi/evil-pkg/json").status_code == 404
    assert client.get("/pypi/evil-pkg/1.0/json").status_code == 404
    # Uploads refused, with what happened and what to do.
    refused = upload(client, wheel("evil-pkg", "3.0"), owner.username)
    assert refused.status_code == 403
    assert "quarantined" in refused.reason_phrase and "reply to the staff" in refused.reason_phrase
    # Owners told why; the project's and the Owner's history show it.
    assert any(owner.email in m.to and "malware in setup.py" in m.body for m in mailoutbox), [
        m.body for m in mailoutbox
    ]
    event = ProjectEvent.objects.get(tag="project:project:quarantined")
    assert event.details["reason"] == "malware in setup.py"
    assert AccountEvent.objects.filter(user=owner, tag="account:project:quarantined").exists()
    # Lifted: listed again, uploads accepted.
    response = admin_action(
        support_client, "packages/project", "lift_quarantine", [published.pk], None
    )
    assert response.status_code == 302
    assert client.get("/simple/evil-pkg/").status_code == 200
    assert (pages_root / "simple" / "evil-pkg" / "index.html").exists()
    assert upload(client, wheel("evil-pkg", "3.0"), owner.username).status_code == 200
    assert ProjectEvent.objects.filter(tag="project:project:unquarantined").exists()


def test_remove_a_release_with_a_reason_keeps_its_filenames_used(
    support_client, client, owner, published, mailoutbox, files_storage
):
    release = Release.objects.get(version="1.0")
    stored = [files_storage / f.path for f in release.files.all()]
    assert all(path.exists() for path in stored)
    response = admin_action(
        support_client, "packages/release", "remove", [release.pk], "typosquat payload"
    )
    assert b"Removed: 1." in response.content
    assert not Release.objects.filter(version="1.0").exists()
    assert not any(path.exists() for path in stored)
    assert FilenameUse.objects.filter(filename="evil_pkg-1.0-py3-none-any.whl").exists()
    again = upload(client, wheel("evil-pkg", "1.0"), owner.username)
    assert again.status_code == 400 and "can't be reused" in again.reason_phrase
    assert b"evil_pkg-1.0-" not in client.get("/simple/evil-pkg/").content
    event = ProjectEvent.objects.get(tag="project:release:removed")
    assert event.details["reason"] == "typosquat payload"
    assert any("typosquat payload" in m.body for m in mailoutbox if owner.email in m.to)
    assert AccountEvent.objects.filter(user=owner, tag="account:project:release_removed").exists()


def test_remove_a_file_with_a_reason(support_client, client, owner, published):
    file = File.objects.get(filename="evil_pkg-2.0-py3-none-any.whl")
    response = admin_action(support_client, "packages/file", "remove", [file.pk], "bad wheel")
    assert b"Removed: 1." in response.content
    assert not File.objects.filter(pk=file.pk).exists()
    assert FilenameUse.objects.filter(filename=file.filename).exists()
    assert ProjectEvent.objects.get(tag="project:file:removed").details["reason"] == "bad wheel"


def test_a_reason_is_required(support_client, published):
    url = "/admin/packages/project/"
    data = {"action": "quarantine", "_selected_action": [str(published.pk)], "confirm": "yes"}
    response = support_client.post(url, {**data, "reason": "  "})
    assert b"Give a reason" in response.content
    published.refresh_from_db()
    assert published.quarantined_at is None


def test_staff_without_the_permission_cannot_take_down(owner, published):
    plain_staff = UserFactory(verified=True, staff=True, with_totp=True)
    with pytest.raises(NotAllowed, match="add you to the Support staff group"):
        takedown.project_quarantine(project=published, actor=plain_staff, reason="x")
    with pytest.raises(NotAllowed, match="add you to the Support staff group"):
        takedown.release_remove(release=Release.objects.first(), actor=owner, reason="x")
    # The admin does not even offer the action.
    page = login_verified(Client(), plain_staff).get("/admin/packages/project/")
    assert b'value="quarantine"' not in page.content


def test_support_staff_cannot_freeze_accounts(owner):
    with pytest.raises(NotAllowed, match="Only a superuser"):
        account_freeze(user=owner, actor=make_support(), reason="spam")


def test_freeze_ends_sessions_refuses_sign_in_and_tokens(staff_client, staff, owner, client):
    token = TokenFactory(user=owner)
    victim = Client()
    victim.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    assert victim.get("/manage/account/").status_code == 200
    response = admin_action(
        staff_client, "accounts/user", "freeze_accounts", [owner.pk], "spam run"
    )
    assert b"Frozen: 1." in response.content
    owner.refresh_from_db()
    assert not owner.is_active
    # The session is over, the password no longer signs in, the token is refused.
    assert victim.get("/manage/account/").status_code == 302
    signin = Client().post("/accounts/login/", {"login": owner.username, "password": "x"})
    assert signin.status_code != 302 or "/manage/" not in signin.get("Location", "")
    refused = client.post(
        "/legacy/",
        wheel("frozen-pkg", "1.0").form(),
        HTTP_AUTHORIZATION=basic_auth("__token__", token.raw),
    )
    assert refused.status_code in (401, 403)
    assert "disabled" in refused.reason_phrase and "contact support" in refused.reason_phrase
    event = AccountEvent.objects.get(user=owner, tag="account:account:frozen")
    assert event.details["reason"] == "spam run" and event.details["sessions_ended"] == 1
    # Thawed: usable again.
    admin_action(staff_client, "accounts/user", "thaw_accounts", [owner.pk], None)
    owner.refresh_from_db()
    assert owner.is_active
    assert AccountEvent.objects.filter(user=owner, tag="account:account:thawed").exists()


def test_a_superuser_cannot_freeze_themselves(staff):
    with pytest.raises(NotAllowed, match="your own account"):
        account_freeze(user=staff, actor=staff, reason="oops")
