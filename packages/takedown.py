"""Takedowns by staff: quarantine a project, remove a release or a file (with a reason).

Each service asks `can()` (support staff hold packages.takedown), runs in one transaction,
records a `project:…` event in the project's history and an `account:project:…` event in
each Owner's, refreshes the simple pages, and mails the Owners the reason after commit.
A removed file's name stays used forever (FilenameUse is kept), as with an Owner's delete.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from accounts.events import record_event
from accounts.models import User
from core.errors import Conflict, WharfError
from core.permissions import Action, require

from . import emails
from .models import File, Project, Release, Role
from .pages import pages_changed
from .services import _delete_stored, record_project_event

MAX_REASON = 500


def _reason(reason: str) -> str:
    cleaned = " ".join((reason or "").split())
    if not cleaned:
        raise WharfError("give a reason: it is recorded and mailed to the project's Owners.")
    if "\x00" in cleaned:
        raise WharfError("the reason contains a NUL character: remove it and try again.")
    if len(cleaned) > MAX_REASON:
        raise WharfError(f"the reason is too long: keep it under {MAX_REASON} characters.")
    return cleaned


def _tell_owners(project: Project, tag: str, actor: User, request, summary: str, **details):
    owners = User.objects.filter(
        project_roles__project=project, project_roles__role=Role.Kind.OWNER
    )
    for owner in owners:
        record_event(
            user=owner, tag=tag, request=request, project=project.name, by=actor.username, **details
        )
    emails.send_owners_email(project, summary)


@transaction.atomic
def project_quarantine(
    *, project: Project, actor: User, reason: str, request: HttpRequest | None = None
) -> None:
    """Hide a project from the index and the JSON API and refuse uploads to it."""
    require(actor, Action.TAKEDOWN_QUARANTINE, project)
    reason = _reason(reason)
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.quarantined_at is not None:
        raise Conflict(f"'{project.name}' is already quarantined.")
    project.quarantined_at = timezone.now()
    project.quarantine_reason = reason
    project.save(update_fields=["quarantined_at", "quarantine_reason"])
    Project.objects.filter(pk=project.pk).update(last_serial=F("last_serial") + 1)
    record_project_event(
        project=project,
        tag="project:project:quarantined",
        actor=actor,
        request=request,
        reason=reason,
    )
    _tell_owners(
        project,
        "account:project:quarantined",
        actor,
        request,
        f"The index's staff quarantined the project: it is hidden from installers and "
        f"uploads are refused. Reason: {reason}",
        reason=reason,
    )
    pages_changed(project.normalized_name, index=True)


@transaction.atomic
def project_unquarantine(
    *, project: Project, actor: User, request: HttpRequest | None = None
) -> None:
    """Lift a quarantine: the project is listed and takes uploads again."""
    require(actor, Action.TAKEDOWN_QUARANTINE, project)
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.quarantined_at is None:
        raise Conflict(f"'{project.name}' is not quarantined.")
    previous = project.quarantine_reason
    project.quarantined_at = None
    project.quarantine_reason = ""
    project.save(update_fields=["quarantined_at", "quarantine_reason"])
    Project.objects.filter(pk=project.pk).update(last_serial=F("last_serial") + 1)
    record_project_event(
        project=project,
        tag="project:project:unquarantined",
        actor=actor,
        request=request,
        previous_reason=previous,
    )
    _tell_owners(
        project,
        "account:project:unquarantined",
        actor,
        request,
        "The index's staff lifted the quarantine: the project is installable and takes "
        "uploads again.",
    )
    pages_changed(project.normalized_name, index=True)


@transaction.atomic
def release_remove(
    *, release: Release, actor: User, reason: str, request: HttpRequest | None = None
) -> None:
    """Staff remove a release and its files; their filenames stay used."""
    project = release.project
    require(actor, Action.TAKEDOWN_REMOVE, project)
    reason = _reason(reason)
    files = list(release.files.all())
    release.delete()
    Project.objects.filter(pk=project.pk).update(
        total_size=F("total_size") - sum(f.size for f in files), last_serial=F("last_serial") + 1
    )
    _delete_stored(files)
    details = {"version": release.version, "files": [f.filename for f in files], "reason": reason}
    record_project_event(
        project=project, tag="project:release:removed", actor=actor, request=request, **details
    )
    _tell_owners(
        project,
        "account:project:release_removed",
        actor,
        request,
        f"The index's staff removed release {release.version} and its files. Reason: {reason}",
        **details,
    )
    pages_changed(project.normalized_name)


@transaction.atomic
def file_remove(
    *, file: File, actor: User, reason: str, request: HttpRequest | None = None
) -> None:
    """Staff remove one file; its filename can never be uploaded again."""
    project = file.release.project
    require(actor, Action.TAKEDOWN_REMOVE, project)
    reason = _reason(reason)
    file.delete()
    Project.objects.filter(pk=project.pk).update(
        total_size=F("total_size") - file.size, last_serial=F("last_serial") + 1
    )
    _delete_stored([file])
    details = {"filename": file.filename, "version": file.release.version, "reason": reason}
    record_project_event(
        project=project, tag="project:file:removed", actor=actor, request=request, **details
    )
    _tell_owners(
        project,
        "account:project:file_removed",
        actor,
        request,
        f"The index's staff removed the file {file.filename}. Reason: {reason}",
        **details,
    )
    pages_changed(project.normalized_name)
