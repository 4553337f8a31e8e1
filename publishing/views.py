"""The publishing pages: a project's trusted publishers, the signed-in user's pending ones,
and an organization's (its pending ones and its projects'). Thin adapters: form → service →
redirect; refusals are shown as messages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts.reauth import reauth_required_when
from core.errors import WharfError
from core.permissions import ORGANIZATION_ROLE_ACTIONS, Action, can
from organizations.models import Organization
from packages.models import Project

from . import oidc, services
from .forms import FORMS, PendingNameForm
from .models import Publisher


def _actor(request: HttpRequest) -> Any:
    """Who is acting: the request's principal (the user, before the resolver sets one)."""
    return getattr(request, "principal", None) or request.user


def _changes_publishers(request: HttpRequest) -> bool:
    return request.method == "POST"


def _forms(data: Any = None, kind: str = "") -> dict[str, forms.Form]:
    issuers = {k: [i.url for i in oidc.issuers_of_kind(k)] for k in FORMS}
    built = {}
    for name, form_class in FORMS.items():
        bound = data if name == kind else None
        kwargs = {"issuers": issuers[name]} if name != "github" else {}
        built[name] = form_class(bound, prefix=name, **kwargs)
    return built


def _add(
    request: HttpRequest, project_name: str, organization: Organization | None = None
) -> forms.Form | None:
    """Add the publisher the posted form describes (for organization, when given); the bound
    form if it needs fixing."""
    kind = request.POST.get("kind", "")
    if kind not in FORMS:
        raise Http404("unknown publisher kind")
    form = _forms(request.POST, kind)[kind]
    if not form.is_valid():
        return form
    actor = _actor(request)
    try:
        if organization is None:
            publisher = services.publisher_add(
                actor=actor, project_name=project_name, spec=form.spec(), request=request
            )
        else:
            publisher = services.organization_publisher_add(
                actor=actor,
                organization=organization,
                project_name=project_name,
                spec=form.spec(),
                request=request,
            )
    except WharfError as error:
        messages.error(request, error.message)
        return form
    messages.success(request, f"Added the trusted publisher {publisher.description}.")
    return None


def _add_by_name(
    request: HttpRequest, forms_by_kind: dict[str, forms.Form], organization=None
) -> tuple[bool, PendingNameForm]:
    """On the pages that name the project: add the posted publisher; (added, the name form),
    with the kind's form left bound in forms_by_kind when it needs fixing."""
    name_form = PendingNameForm(request.POST)
    if not name_form.is_valid():
        return False, name_form
    failed = _add(request, name_form.cleaned_data["project_name"], organization)
    if failed is not None:
        forms_by_kind[request.POST["kind"]] = failed
    return failed is None, name_form


def _remove(request: HttpRequest, publishers) -> None:
    value = request.POST.get("publisher", "")
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        raise Http404("no such publisher")
    publisher = get_object_or_404(publishers, pk=int(value))
    try:
        services.publisher_remove(actor=_actor(request), publisher=publisher, request=request)
    except WharfError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Removed the trusted publisher {publisher.description}.")


@login_required
@reauth_required_when(_changes_publishers)
def project_publishing(request: HttpRequest, name: str) -> HttpResponse:
    project = get_object_or_404(Project, normalized_name=name)
    if not can(request.user, Action.VIEW_MANAGE, project):
        raise Http404("you have no role on this project")
    forms_by_kind = _forms()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "add":
            failed = _add(request, project.normalized_name)
            if failed is None:
                return redirect("publishing:project", project.normalized_name)
            forms_by_kind[request.POST["kind"]] = failed
        elif action == "remove":
            _remove(request, project.publishers.all())
            return redirect("publishing:project", project.normalized_name)
        elif action == "policy":
            required = request.POST.get("require_trusted_publishing") == "on"
            try:
                services.project_set_trusted_publishing_only(
                    actor=_actor(request), project=project, required=required, request=request
                )
            except WharfError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, "Trusted publishing policy saved.")
            return redirect("publishing:project", project.normalized_name)
        else:
            raise Http404("unknown action")
    return render(
        request,
        "publishing/project.html",
        {
            "project": project,
            "publishers": project.publishers.all(),
            "forms": forms_by_kind,
            "can_manage": can(request.user, Action.MANAGE_PUBLISHERS, project),
        },
    )


@login_required
@reauth_required_when(_changes_publishers)
def pending_publishing(request: HttpRequest) -> HttpResponse:
    forms_by_kind = _forms()
    name_form = PendingNameForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "add":
            added, name_form = _add_by_name(request, forms_by_kind)
            if added:
                return redirect("publishing:pending")
        elif action == "remove":
            mine = Publisher.objects.pending().filter(
                created_by=request.user, organization__isnull=True
            )
            _remove(request, mine)
            return redirect("publishing:pending")
        else:
            raise Http404("unknown action")
    return render(
        request,
        "publishing/pending.html",
        {
            "publishers": services.pending_publishers_of(request.user),
            "forms": forms_by_kind,
            "name_form": name_form,
        },
    )


@login_required
@reauth_required_when(_changes_publishers)
def organization_publishing(request: HttpRequest, org: str) -> HttpResponse:
    organization = Organization.objects.for_name(org.replace("\x00", "")).first()
    if organization is None or not can(_actor(request), Action.ORGANIZATION_VIEW, organization):
        raise Http404("you are not a member of this organization")
    publishers = services.organization_publishers(organization)
    forms_by_kind = _forms()
    name_form = PendingNameForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "add":
            added, name_form = _add_by_name(request, forms_by_kind, organization)
            if added:
                return redirect("publishing:organization", organization.normalized_name)
        elif action == "remove":
            _remove(request, publishers)
            return redirect("publishing:organization", organization.normalized_name)
        else:
            raise Http404("unknown action")
    role = organization.role_of(request.user) or ""
    return render(
        request,
        "publishing/organization.html",
        {
            "organization": organization,
            "publishers": publishers,
            "forms": forms_by_kind,
            "name_form": name_form,
            "can_manage": Action.ORGANIZATION_MANAGE_PUBLISHERS
            in ORGANIZATION_ROLE_ACTIONS.get(role, frozenset()),
        },
    )
