"""Trusted publishing use cases: add and remove publishers, the trusted-publishing-only
policy, and proving a CI token (which the tokens app turns into a 15-minute upload token).

Adding or removing a publisher changes who can publish a project: `can()` asks for an Owner
who re-authenticated moments ago (Action.MANAGE_PUBLISHERS is sensitive).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from accounts.events import client_ip, record_event
from core import limits
from core.errors import Conflict, NotAllowed, NotFound, WharfError
from core.permissions import ORGANIZATION_ROLE_ACTIONS, Action, NewProject, can, require
from core.principals import Principal, as_principal
from core.urls import absolute_url
from organizations.models import Organization
from organizations.services import record_organization_event
from packages.models import Project, ProjectEvent, Role
from packages.names import is_valid_name, normalize, reserved_reason, similarity_key
from packages.services import record_project_event

from . import oidc
from .matching import describe_run, matching_publisher, recorded_claims
from .models import ExchangedToken, Publisher

GITHUB_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,99})")
WORKFLOW_FILE = re.compile(r"[A-Za-z0-9._-]{1,250}\.ya?ml")
GITLAB_PATH = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_./-]{0,254}")
MAX_GENERIC_CLAIMS = 10


@dataclass
class PublisherSpec:
    """What an Owner asks a publisher to trust, as typed in a form or sent to the API."""

    kind: str
    owner: str = ""
    repository: str = ""
    workflow: str = ""
    environment: str = ""
    namespace: str = ""
    project: str = ""
    ci_config_path: str = ""
    issuer: str = ""
    subject: str = ""
    claims: dict[str, Any] | None = None


def _clean(value: object) -> str:
    return str(value or "").strip()


def _required(value: str, label: str, pattern: re.Pattern[str], hint: str) -> str:
    if not value:
        raise WharfError(f"give the {label}: {hint}.")
    if "\x00" in value or not pattern.fullmatch(value):
        raise WharfError(f"{value[:100]!r} is not a valid {label}: {hint}.")
    return value


def _environment(value: str) -> str:
    if len(value) > 255 or "\x00" in value:
        raise WharfError("the environment name is too long or invalid: use at most 255 characters.")
    return value


def _issuer_of_kind(kind: str, wanted: str) -> str:
    trusted = oidc.issuers_of_kind(kind)
    if not trusted:
        raise WharfError(
            f"this index trusts no {kind} issuer: its administrators can add one to OIDC_ISSUERS."
        )
    if not wanted:
        return trusted[0].url
    wanted = wanted.rstrip("/")
    if wanted not in {issuer.url for issuer in trusted}:
        names = ", ".join(issuer.url for issuer in trusted)
        raise WharfError(
            f"{wanted[:200]!r} is not a trusted {kind} issuer of this index (trusted: {names}); "
            "ask its administrators to add it to OIDC_ISSUERS."
        )
    return wanted


def _fields(spec: PublisherSpec) -> dict[str, Any]:
    """The validated model fields for spec, or a WharfError saying what to fix."""
    kind = _clean(spec.kind)
    environment = _environment(_clean(spec.environment))
    if kind == Publisher.Kind.GITHUB:
        workflow = _clean(spec.workflow).removeprefix(".github/workflows/")
        return {
            "kind": kind,
            "issuer": _issuer_of_kind(kind, ""),
            "owner": _required(
                _clean(spec.owner), "GitHub owner", GITHUB_NAME, "the user or organization name"
            ),
            "repository": _required(
                _clean(spec.repository), "GitHub repository", GITHUB_NAME, "the repository name"
            ),
            "workflow": _required(
                workflow,
                "workflow file",
                WORKFLOW_FILE,
                "the file name under .github/workflows/, e.g. release.yml",
            ),
            "environment": environment,
        }
    if kind == Publisher.Kind.GITLAB:
        path_hint = "the group path and the project path, e.g. mygroup/subgroup and myproject"
        return {
            "kind": kind,
            "issuer": _issuer_of_kind(kind, _clean(spec.issuer)),
            "namespace": _required(
                _clean(spec.namespace).strip("/"), "GitLab namespace", GITLAB_PATH, path_hint
            ),
            "gitlab_project": _required(
                _clean(spec.project).strip("/"), "GitLab project", GITLAB_PATH, path_hint
            ),
            "ci_config_path": _required(
                _clean(spec.ci_config_path),
                "CI config file",
                GITLAB_PATH,
                "the path of the CI file in the repository, e.g. .gitlab-ci.yml",
            ),
            "environment": environment,
        }
    if kind == Publisher.Kind.GENERIC:
        subject = _clean(spec.subject)
        if not subject or len(subject) > 500 or "\x00" in subject:
            raise WharfError(
                "give the subject pattern: the `sub` claim your CI's tokens carry, with * for "
                "any part (e.g. repo:team/app:ref:refs/tags/*); at most 500 characters."
            )
        if subject.strip("*") == "":
            raise WharfError(
                "the subject pattern must name something: '*' alone would trust every job of "
                "the issuer."
            )
        claims = spec.claims or {}
        if not isinstance(claims, dict) or len(claims) > MAX_GENERIC_CLAIMS:
            raise WharfError(
                f"claims must be an object of at most {MAX_GENERIC_CLAIMS} claim: value pairs."
            )
        for name, value in claims.items():
            if not isinstance(value, (str, int, bool)) or len(str(name)) > 100:
                raise WharfError(
                    f"the claim {str(name)[:100]!r} must equal a string, number or boolean."
                )
            if "\x00" in str(name) or "\x00" in str(value):
                raise WharfError("claims cannot contain NUL bytes.")
        return {
            "kind": kind,
            "issuer": _issuer_of_kind(kind, _clean(spec.issuer)),
            "subject": subject,
            "claims": {str(k): v for k, v in claims.items()},
        }
    raise WharfError(f"unknown publisher kind {kind[:20]!r}: use github, gitlab or generic.")


def _same(fields: dict[str, Any]) -> dict[str, Any]:
    """The lookup that finds a publisher trusting the same thing (case-insensitive names)."""
    lookup = {}
    for name, value in fields.items():
        lookup[f"{name}__iexact" if isinstance(value, str) and name != "kind" else name] = value
    return lookup


def publisher_target(name: str) -> Project | NewProject:
    """The project named name, or the NewProject a pending publisher would create."""
    if not is_valid_name(name):
        # No project can have this name: as for any other project that does not exist.
        raise NotFound(
            f"{name[:100]!r} is not a valid project name, so no project has it: use letters, "
            "digits, '.', '_' and '-', starting and ending with a letter or digit."
        )
    normalized = normalize(name)
    project = Project.objects.filter(normalized_name=normalized).first()
    return project or NewProject(name=name, normalized_name=normalized)


@transaction.atomic
def publisher_add(
    *,
    actor: Principal | Any,
    project_name: str,
    spec: PublisherSpec,
    request: HttpRequest | None = None,
) -> Publisher:
    """Trust a CI workflow to publish project_name (a pending publisher if it is not taken)."""
    principal = as_principal(actor)
    target = publisher_target(_clean(project_name))
    require(principal, Action.MANAGE_PUBLISHERS, target)
    return _add(principal, target, _fields(spec), organization=None, request=request)


@transaction.atomic
def organization_publisher_add(
    *,
    actor: Principal | Any,
    organization: Organization,
    project_name: str,
    spec: PublisherSpec,
    request: HttpRequest | None = None,
) -> Publisher:
    """Trust a CI workflow to publish a project of the organization, or to create one in it
    (a pending publisher for a name nobody owns yet)."""
    principal = as_principal(actor)
    require(principal, Action.ORGANIZATION_MANAGE_PUBLISHERS, organization)
    target = publisher_target(_clean(project_name))
    if target.pk is not None and target.organization_id != organization.pk:
        raise NotAllowed(
            f"project '{target.name}' does not belong to organization '{organization.name}': "
            "its own Owners add its publishers, or transfer it into the organization first."
        )
    return _add(principal, target, _fields(spec), organization=organization, request=request)


def _add(
    principal: Principal,
    target: Project | NewProject,
    fields: dict[str, Any],
    *,
    organization: Organization | None,
    request: HttpRequest | None,
) -> Publisher:
    """Register an authorized publisher: the project's, or a pending one for a new name."""
    user = principal.user
    if user is not None:
        limits.consume(
            "publisher_add_user",
            str(user.pk),
            "you registered many trusted publishers in a short time: wait an hour and try again.",
        )
    if target.pk is None:
        _check_free(target.name)
        existing = Publisher.objects.pending().filter(
            project_name=target.normalized_name, **_same(fields)
        )
    else:
        existing = Publisher.objects.filter(project=target, **_same(fields))
    if existing.exists():
        raise Conflict(f"this publisher is already registered for {target.name!r}: nothing to add.")
    pending = target.pk is None
    publisher = Publisher.objects.create(
        project=None if pending else target,
        project_name=target.normalized_name,
        created_by=user,
        organization=organization if pending else None,
        expires_at=(
            timezone.now() + timedelta(days=settings.PENDING_PUBLISHER_DAYS) if pending else None
        ),
        **fields,
    )
    details = {
        "project": target.normalized_name,
        "publisher": publisher.description,
        "publisher_id": publisher.pk,
    }
    if not pending:
        record_project_event(
            project=target,
            tag="project:publisher:added",
            actor=user,
            request=request,
            publisher=publisher.description,
            publisher_id=publisher.pk,
        )
    if organization is not None:
        record_organization_event(
            organization=organization,
            tag="organization:publisher:pending" if pending else "organization:publisher:added",
            actor=principal,
            request=request,
            **details,
        )
    if user is not None:
        record_event(
            user=user,
            tag="account:publisher:pending" if pending else "account:publisher:added",
            request=request,
            **details,
        )
    return publisher


def _check_free(name: str) -> None:
    """A new project may take name: not reserved, not too similar to an existing one."""
    if reserved := reserved_reason(name):
        raise WharfError(reserved)
    similar = Project.objects.filter(similarity_key=similarity_key(normalize(name))).first()
    if similar is not None:
        raise WharfError(
            f"the name {name!r} is too similar to the existing project '{similar.name}': "
            "choose a different name."
        )


@transaction.atomic
def publisher_remove(
    *, actor: Principal | Any, publisher: Publisher, request: HttpRequest | None = None
) -> None:
    """Stop trusting a publisher: no new tokens at once (minted ones die within 15 minutes)."""
    principal = as_principal(actor)
    publisher = (
        Publisher.objects.select_for_update(of=("self",))
        .select_related("project")
        .get(pk=publisher.pk)
    )
    if publisher.project is not None:
        _require_for_project(principal, publisher.project)
    elif publisher.organization is not None:
        require(principal, Action.ORGANIZATION_MANAGE_PUBLISHERS, publisher.organization)
    elif principal.user is None or publisher.created_by_id != principal.user.pk:
        raise NotFound("no such pending publisher: it may have expired or been removed.")
    else:
        require(
            principal,
            Action.MANAGE_PUBLISHERS,
            NewProject(name=publisher.project_name, normalized_name=publisher.project_name),
        )
    description = publisher.description
    if publisher.project is not None:
        record_project_event(
            project=publisher.project,
            tag="project:publisher:removed",
            actor=principal.user,
            request=request,
            publisher=description,
            publisher_id=publisher.pk,
        )
    project = publisher.project
    organization = publisher.organization or (project.organization if project else None)
    if organization is not None:
        record_organization_event(
            organization=organization,
            tag="organization:publisher:removed",
            actor=principal,
            request=request,
            project=publisher.project_name,
            publisher=description,
            publisher_id=publisher.pk,
        )
    if principal.user is not None:
        record_event(
            user=principal.user,
            tag="account:publisher:removed",
            request=request,
            project=publisher.project_name,
            publisher=description,
            publisher_id=publisher.pk,
        )
    publisher.delete()


def _require_for_project(principal: Principal, project: Project) -> None:
    """The project's Owners manage its publishers; for a project of an organization, so do
    the organization's Owners and Managers (who can add them from the organization)."""
    if can(principal, Action.MANAGE_PUBLISHERS, project):
        return
    organization = project.organization if project.organization_id else None
    user = principal.user
    if organization is not None and user is not None:
        role = organization.role_of(user)
        if Action.ORGANIZATION_MANAGE_PUBLISHERS in ORGANIZATION_ROLE_ACTIONS.get(role or "", ()):
            require(principal, Action.ORGANIZATION_MANAGE_PUBLISHERS, organization)
            return
    require(principal, Action.MANAGE_PUBLISHERS, project)


@transaction.atomic
def project_set_trusted_publishing_only(
    *, actor: Principal | Any, project: Project, required: bool, request: HttpRequest | None = None
) -> None:
    """Accept uploads to project only from its trusted publishers (or from anyone again)."""
    principal = as_principal(actor)
    require(principal, Action.MANAGE_PUBLISHERS, project)
    if required and not project.publishers.exists():
        raise WharfError(
            f"add a trusted publisher to '{project.name}' first: otherwise nobody could upload."
        )
    if project.require_trusted_publishing == required:
        return
    Project.objects.filter(pk=project.pk).update(require_trusted_publishing=required)
    project.require_trusted_publishing = required
    record_project_event(
        project=project,
        tag="project:policy:trusted_publishing_only",
        actor=principal.user,
        request=request,
        required=required,
    )


@dataclass
class ProvenPublisher:
    """A publisher proven by a CI token: who, with which claims, described for the history."""

    publisher: Publisher
    project: Project
    claims: dict[str, str]
    run: str


def _create_pending_project(publisher: Publisher, request: HttpRequest | None) -> Project:
    """The first use of a pending publisher registers its name: for the organization it was
    registered for (no personal Owner), else for the user who added it (its Owner)."""
    name = publisher.project_name
    organization = publisher.organization
    owner = None if organization is not None else publisher.created_by
    if organization is not None and not organization.is_active:
        raise oidc.refuse(
            "invalid-pending-publisher",
            f"the pending publisher for {name!r} belongs to organization '{organization.name}', "
            "which is not active: ask the index's staff.",
        )
    if organization is None and (
        owner is None or not owner.is_active or not owner.has_verified_email
    ):
        raise oidc.refuse(
            "invalid-pending-publisher",
            f"the pending publisher for {name!r} was registered by an account that can no "
            "longer own projects: register the publisher again from an active account.",
        )
    if reserved := reserved_reason(name):
        raise oidc.refuse("invalid-pending-publisher", reserved)
    taken = Project.objects.select_for_update().filter(similarity_key=similarity_key(name)).first()
    if taken is not None:
        raise oidc.refuse(
            "invalid-pending-publisher",
            f"the name {name!r} was registered meanwhile (as '{taken.name}'), so this pending "
            "publisher can no longer create it: ask that project's Owners to add a publisher.",
        )
    project = Project.objects.create(
        name=name,
        normalized_name=name,
        similarity_key=similarity_key(name),
        organization=organization,
    )
    ip = client_ip(request)
    events = [
        ProjectEvent(
            project=project,
            tag="project:project:created",
            actor=owner,
            ip_address=ip,
            details={"by_publisher": publisher.description},
        )
    ]
    if owner is not None:
        Role.objects.create(project=project, user=owner, role=Role.Kind.OWNER)
        events.append(
            ProjectEvent(
                project=project,
                tag="project:role:added",
                actor=owner,
                ip_address=ip,
                details={"username": owner.username, "role": Role.Kind.OWNER},
            )
        )
    ProjectEvent.objects.bulk_create(events)
    # The pending publishers of this name by others are void now; this one becomes a
    # publisher of the project.
    Publisher.objects.filter(project__isnull=True, project_name=name).exclude(
        pk=publisher.pk
    ).delete()
    publisher.project = project
    publisher.organization = None
    publisher.expires_at = None
    return project


def _record_first_use(publisher: Publisher, claims: dict[str, Any]) -> list[str]:
    if publisher.kind != Publisher.Kind.GITHUB:
        return []
    changed = []
    for field, claim in (("owner_id", "repository_owner_id"), ("repository_id", "repository_id")):
        if not getattr(publisher, field) and claims.get(claim):
            setattr(publisher, field, str(claims[claim])[:40])
            changed.append(field)
    return changed


def publisher_prove(*, token: str, request: HttpRequest | None = None) -> ProvenPublisher:
    """Verify a CI job's OIDC token and find the publisher it proves, exchanging its jti.

    Runs inside the caller's transaction (the tokens app mints the upload token in the
    same one), so a refusal later on leaves the jti unused and nothing changed.
    """
    limits.consume(
        "oidc_mint_ip",
        client_ip(request) or "unknown",
        "too many token exchanges from this address: wait a minute and try again.",
    )
    verified = oidc.verify(token)
    publisher = matching_publisher(verified)
    limits.consume(
        "oidc_mint_publisher",
        str(publisher.pk),
        "too many token exchanges for this trusted publisher: wait a minute and try again.",
    )
    claims = verified.claims
    try:
        with transaction.atomic():
            ExchangedToken.objects.create(
                issuer=verified.issuer.url,
                jti=str(claims["jti"])[:255],
                expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=UTC)
                + timedelta(seconds=settings.OIDC_LEEWAY),
            )
    except IntegrityError as error:
        raise oidc.refuse(
            "replayed-token",
            "this OIDC token was already exchanged (its jti was used): request a fresh token "
            "from your CI job for each exchange.",
        ) from error
    publisher = Publisher.objects.select_for_update().get(pk=publisher.pk)
    if publisher.is_expired:
        raise oidc.refuse("invalid-publisher", "the pending publisher expired: register it again.")
    changed = _record_first_use(publisher, claims)
    project = publisher.project
    if project is None:
        project = _create_pending_project(publisher, request)
        changed += ["project", "organization", "expires_at"]
    publisher.last_used_at = timezone.now()
    publisher.save(update_fields=[*changed, "last_used_at"])
    return ProvenPublisher(
        publisher=publisher,
        project=project,
        claims=recorded_claims(claims),
        run=describe_run(publisher, claims),
    )


def publishing_page_url(project: Project) -> str:
    return absolute_url("publishing:project", project.normalized_name)


def pending_publishers_of(user: Any) -> list[Publisher]:
    """The user's own pending publishers (not those registered for an organization)."""
    return list(Publisher.objects.pending().filter(created_by=user, organization__isnull=True))


def organization_publishers(organization: Organization):
    """The organization's pending publishers, then those of its projects."""
    return (
        Publisher.objects.usable()
        .filter(
            Q(organization=organization, project__isnull=True)
            | Q(project__organization=organization)
        )
        .select_related("created_by", "project")
        .order_by("project_id", "project_name", "kind", "id")
    )


def purge_expired() -> tuple[int, int]:
    """Forget expired pending publishers and exchanged jtis that can no longer be replayed."""
    now = timezone.now()
    pending, _ = Publisher.objects.filter(project__isnull=True, expires_at__lte=now).delete()
    used, _ = ExchangedToken.objects.filter(expires_at__lte=now).delete()
    return pending, used
