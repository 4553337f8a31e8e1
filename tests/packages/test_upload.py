"""The /legacy/ upload endpoint through the test client: every outcome twine can see."""

from __future__ import annotations

import pytest
from django.core.files.storage import storages
from django.db import IntegrityError

from packages.models import File, FilenameUse, Project, ProjectEvent, Release, Role
from tests.factories import PASSWORD, ProjectFactory, UserFactory
from tests.packages.conftest import basic_auth, sdist, upload, wheel

pytestmark = pytest.mark.django_db


def stored_files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def assert_refused(response, status: int, *phrases: str) -> None:
    assert response.status_code == status, response.content
    body = response.content.decode()
    for phrase in phrases:
        assert phrase in response.reason_phrase, response.reason_phrase
        assert phrase in body
    assert response["Content-Type"].startswith("text/plain")


def test_first_upload_creates_project_with_uploader_as_owner(client, user, files_storage):
    dist = wheel("Demo.Pkg", "1.0", requires_python=">=3.8", requires_dist=["idna>=2"])
    response = upload(client, dist, user.username)
    assert response.status_code == 200, response.reason_phrase
    project = Project.objects.get()
    assert (project.name, project.normalized_name) == ("Demo.Pkg", "demo-pkg")
    assert Role.objects.get(project=project).user == user
    assert Role.objects.get(project=project).role == Role.Kind.OWNER
    release = Release.objects.get()
    assert release.requires_python == ">=3.8"
    assert release.requires_dist == ["idna>=2"]
    assert release.project_urls == {"Source": "https://example.com/src"}
    file = File.objects.get()
    assert file.uploaded_by == user and file.upload_token is None
    assert file.path == f"{dist.sha256[:2]}/{dist.sha256[2:4]}/{dist.sha256}/{dist.filename}"
    assert file.metadata_sha256
    assert stored_files(files_storage) == sorted([file.path, file.path + ".metadata"])
    assert (files_storage / file.path).read_bytes() == dist.data
    assert FilenameUse.objects.filter(filename=dist.filename).exists()
    tags = set(ProjectEvent.objects.values_list("tag", flat=True))
    assert {"project:project:created", "project:release:created", "project:file:uploaded"} <= tags


def test_sdist_upload_has_no_metadata_file(client, user, files_storage):
    response = upload(client, sdist(), user.username)
    assert response.status_code == 200, response.reason_phrase
    file = File.objects.get()
    assert file.packagetype == "sdist" and file.python_version == "source"
    assert not file.metadata_sha256
    assert stored_files(files_storage) == [file.path]


def test_identical_reupload_answers_200_and_changes_nothing(client, user):
    dist = wheel()
    assert upload(client, dist, user.username).status_code == 200
    assert upload(client, dist, user.username).status_code == 200
    assert File.objects.count() == 1


def test_different_file_under_existing_filename_is_refused(client, user):
    assert upload(client, wheel(summary="one"), user.username).status_code == 200
    response = upload(client, wheel(summary="two"), user.username)
    assert_refused(response, 400, "File already exists", "bump the version")


def test_deleted_filename_cannot_be_reused(client, user):
    dist = wheel()
    assert upload(client, dist, user.username).status_code == 200
    File.objects.all().delete()
    response = upload(client, wheel(summary="again"), user.username)
    assert_refused(response, 400, "was used by a file that has been deleted", "bump the version")


def test_second_user_without_role_is_refused(client, project, outsider):
    response = upload(client, wheel("demo-pkg"), outsider.username)
    assert_refused(
        response, 403, f"user '{outsider.username}' isn't allowed", "ask one of its Owners"
    )
    assert not File.objects.exists()


def test_maintainer_may_upload(client, project, maintainer):
    assert upload(client, wheel("demo_pkg"), maintainer.username).status_code == 200
    assert project.releases.count() == 1


def test_unverified_user_is_pointed_to_verify(client, db):
    user = UserFactory(unverified=True)
    response = upload(client, wheel(), user.username)
    assert_refused(response, 403, "no verified email address", "/accounts/email/")
    assert not Project.objects.exists()


def test_wrong_password_is_refused(client, user):
    response = upload(client, wheel(), user.username, "wrong")
    assert_refused(response, 403, "invalid username or password", "/manage/account/tokens/")


def test_password_guessing_is_stopped(client, user):
    for _ in range(10):
        assert upload(client, wheel(), user.username, "wrong").status_code == 403
    response = upload(client, wheel(), user.username)  # even the right password, for now
    assert_refused(response, 429, "too many failed sign-ins", "wait 5 minutes")


def test_missing_credentials_ask_for_authentication(client, db):
    response = client.post("/legacy/", wheel().form())
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert "__token__" in response.reason_phrase


def test_email_address_works_as_username(client, user):
    assert upload(client, wheel(), user.email).status_code == 200


def test_password_upload_refused_for_account_with_two_factor(client, db):
    user = UserFactory(verified=True, with_totp=True)
    response = upload(client, wheel(), user.username)
    assert_refused(response, 403, "two-factor authentication on", "/manage/account/tokens/")


def test_password_uploads_can_be_turned_off(client, user, settings):
    settings.PASSWORD_UPLOADS_ALLOWED = False
    response = upload(client, wheel(), user.username)
    assert_refused(response, 403, "turned off", "/manage/account/tokens/", "__token__")


def test_index_wide_two_factor_requirement(client, user, settings):
    settings.TWO_FACTOR_REQUIRED_TO_PUBLISH = True
    response = upload(client, wheel(), user.username)
    assert_refused(response, 403, "required to publish", "/manage/account/two-factor/")


def test_project_two_factor_requirement_refuses_collaborator_without_it(
    client, project, maintainer
):
    project.require_two_factor = True
    project.save()
    response = upload(client, wheel("demo-pkg"), maintainer.username)
    assert_refused(response, 403, "requires two-factor", "/manage/account/two-factor/")


def test_similar_name_is_refused_naming_the_existing_project(client, user):
    ProjectFactory(name="Requests")
    for name in ("requ-ests", "reque.sts", "requ_ests", "re-quests"):
        response = upload(client, wheel(name, "1.0"), user.username)
        assert_refused(response, 400, "too similar to the existing project 'Requests'")
    assert Project.objects.count() == 1


def test_same_normalized_name_goes_to_existing_project(client, project, owner):
    assert upload(client, wheel("Demo_Pkg", "2.0"), owner.username).status_code == 200
    assert Project.objects.count() == 1 and project.releases.get().version == "2.0"


@pytest.mark.parametrize(
    ("overrides", "phrases"),
    [
        ({"sha256_digest": "0" * 64}, ("sha256 digest sent does not match", "upload it again")),
        ({"blake2_256_digest": "0" * 64}, ("blake2_256 digest", "upload it again")),
        ({"sha256_digest": None, "blake2_256_digest": None}, ("no digest", "sha256_digest")),
        ({"name": "other"}, ("does not match the project 'other'", "rebuild")),
        ({"version": "2.0"}, ("does not match", "rebuild")),
        ({"version": "not a version"}, ("invalid version", "PEP 440")),
        ({"name": "-bad-"}, ("invalid project name", "letters, digits")),
        ({"version": "1.0+local"}, ("local versions", "drop the")),
        ({":action": "submit"}, ("unsupported :action", "twine upload")),
        ({"protocol_version": "2"}, ("protocol_version", "protocol 1")),
        ({"content": None}, ("no file", "twine")),
        ({"filetype": "sdist"}, ("does not match", "bdist_wheel")),
    ],
)
def test_invalid_uploads_are_refused_with_a_message(client, user, overrides, phrases):
    response = upload(client, wheel(), user.username, **overrides)
    assert_refused(response, 400, *phrases)
    assert not Project.objects.exists()


def _with_name(dist, filename: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(filename, dist.data)


@pytest.mark.parametrize(
    ("filename", "phrases"),
    [
        ("demo_pkg-1.0.zip", ("invalid file extension", ".whl", ".tar.gz")),
        ("demo_pkg-1.0.egg", ("invalid file extension", "upload only those")),
        ("demo_pkg-1.0-py3-none.whl", ("invalid wheel filename",)),
        ("demopkg.tar.gz", ("invalid sdist filename",)),
        ("other-1.0-py3-none-any.whl", ("does not match", "rebuild")),
    ],
)
def test_bad_filenames_are_refused(client, user, filename, phrases):
    dist = wheel()
    response = upload(client, dist, user.username, content=_with_name(dist, filename))
    assert_refused(response, 400, *phrases)


def test_file_that_is_not_a_wheel_is_refused(client, user):
    dist = wheel()
    dist.data = b"not a zip"
    response = upload(client, dist, user.username)
    assert_refused(response, 400, "not a readable zip archive", "rebuild")


def test_sdist_that_is_not_a_tarball_is_refused(client, user):
    dist = sdist()
    dist.data = b"not a tarball"
    response = upload(client, dist, user.username)
    assert_refused(response, 400, "not a readable .tar.gz", "rebuild")


def test_invalid_metadata_is_refused(client, user):
    dist = wheel(
        metadata="Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\nRequires-Python: >=>3\n"
    )
    response = upload(client, dist, user.username)
    assert_refused(
        response, 400, "invalid metadata", "requires-python", "Fix the project's metadata"
    )


def test_direct_url_dependency_is_refused(client, user):
    dist = wheel(requires_dist=["evil @ https://example.com/evil.whl"])
    response = upload(client, dist, user.username)
    assert_refused(response, 400, "direct URL dependencies", "depend on a released project")


def test_metadata_naming_another_version_is_refused(client, user):
    dist = wheel(metadata="Metadata-Version: 2.1\nName: demo-pkg\nVersion: 9.9\n")
    response = upload(client, dist, user.username)
    assert_refused(response, 400, "names demo-pkg 9.9", "rebuild")


def test_file_size_limit(client, user, settings):
    settings.MAX_FILE_SIZE = 100
    response = upload(client, wheel(), user.username)
    assert_refused(response, 400, "file too large", "MAX_FILE_SIZE")


def test_project_size_limit(client, project, owner, settings, files_storage):
    settings.MAX_PROJECT_SIZE = 100
    response = upload(client, wheel("demo-pkg"), owner.username)
    assert_refused(response, 400, "project size too large", "delete old releases")
    assert stored_files(files_storage) == [] and not File.objects.exists()


def test_get_explains_the_endpoint(client, db):
    response = client.get("/legacy/")
    assert response.status_code == 405 and "POST" in response.reason_phrase


def test_garbage_authorization_header_is_refused(client, db):
    response = client.post("/legacy/", wheel().form(), HTTP_AUTHORIZATION="Basic !!!")
    assert_refused(response, 403, "malformed Basic credentials")


# --- no orphans -----------------------------------------------------------------------------


def test_storage_failure_leaves_nothing(client, user, files_storage, monkeypatch):
    storage = storages["files"]
    original = storage._save

    def failing_save(name, content):
        if name.endswith(".metadata"):
            raise OSError("disk full")
        return original(name, content)

    monkeypatch.setattr(storage, "_save", failing_save)
    response = upload(client, wheel(), user.username)
    assert_refused(response, 503, "could not be stored", "try again later")
    assert stored_files(files_storage) == []
    assert not Project.objects.exists() and not File.objects.exists()
    assert not FilenameUse.objects.exists()


def test_database_failure_leaves_no_file(client, user, files_storage, monkeypatch):
    def failing_create(*args, **kwargs):
        raise IntegrityError("simulated constraint failure")

    monkeypatch.setattr(FilenameUse.objects, "create", failing_create)
    response = upload(client, wheel(), user.username)
    assert_refused(response, 400, "File already exists")
    assert stored_files(files_storage) == []
    assert not Project.objects.exists() and not File.objects.exists()


def test_unexpected_database_error_leaves_no_file(client, user, files_storage, monkeypatch):
    def failing_create(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(FilenameUse.objects, "create", failing_create)
    client.raise_request_exception = False
    response = upload(client, wheel(), user.username)
    assert response.status_code == 500
    assert stored_files(files_storage) == []
    assert not Project.objects.exists()


def test_password_for_user_is_checked_before_body_validation(client, user):
    response = client.post(
        "/legacy/", {":action": "file_upload"}, HTTP_AUTHORIZATION=basic_auth(user.username, "x")
    )
    assert response.status_code == 403
    assert PASSWORD not in response.content.decode()


# --- two-factor policies: refused above without 2FA, accepted with 2FA and a token -----------


def test_two_factor_user_with_token_passes_both_policies(client, project, maintainer, settings):
    from tests.factories import TokenFactory, TOTPDeviceFactory

    settings.TWO_FACTOR_REQUIRED_TO_PUBLISH = True
    project.require_two_factor = True
    project.save()
    TOTPDeviceFactory(user=maintainer)
    token = TokenFactory(user=maintainer)
    response = upload(client, wheel("demo-pkg"), "__token__", token.raw)
    assert response.status_code == 200, response.reason_phrase
    assert File.objects.get().upload_token == token
    assert ProjectEvent.objects.get(tag="project:file:uploaded").details["token"] == token.public_id


def test_token_of_user_without_two_factor_is_refused_by_project_policy(client, project, maintainer):
    from tests.factories import TokenFactory

    project.require_two_factor = True
    project.save()
    token = TokenFactory(user=maintainer)
    response = upload(client, wheel("demo-pkg"), "__token__", token.raw)
    assert_refused(response, 403, "requires two-factor", "/manage/account/two-factor/")
