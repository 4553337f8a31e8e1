from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import sessions as signed_in
from accounts.models import UserSession
from accounts.reauth import reauth_required
from accounts.user_agents import describe_user_agent
from core.errors import WharfError
from core.permissions import Action, can, require
from core.urls import absolute_url
from packages.models import Project, Role

from . import services
from .forms import ProjectTokenCreateForm, TokenCreateForm
from .models import AccessToken, Token


def _my_project_names(user) -> list[str]:
    return list(Project.objects.visible_to(user).values_list("normalized_name", flat=True))


def _my_project(user, name: str):
    """The project named name if user has a role on it; 404 otherwise (nothing leaks)."""
    project = Project.objects.for_name(name).first()
    if project is None or project.role_of(user) is None:
        raise Http404("You have no project by that name.")
    return project


def _created(request: HttpRequest, token: Token, raw: str) -> HttpResponse:
    """The only page that ever shows the secret; never cached."""
    response = render(
        request,
        "tokens/created.html",
        {"token": token, "raw": raw, "upload_url": absolute_url("packages:legacy-upload")},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    tokens = Token.objects.for_user(request.user)
    return render(request, "tokens/list.html", {"tokens": tokens})


@reauth_required
def token_create(request: HttpRequest) -> HttpResponse:
    require(request.principal, Action.TOKEN_CREATE)
    form = TokenCreateForm(request.POST or None, project_names=_my_project_names(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = services.token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                projects=form.cleaned_data["scope_projects"],
                expires_at=form.expires_at,
                request=request,
            )
        except WharfError as error:
            form.add_error(None, error.message)
        else:
            return _created(request, token, raw)
    return render(request, "tokens/create.html", {"form": form, "project": None})


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(Token, pk=pk, user=request.user)
    services.token_revoke(token=token, by=request.user, request=request)
    messages.success(request, f"The token “{token.name}” is revoked: it can no longer upload.")
    next_url = request.POST.get("next", "")
    # A path only: redirect() would take a bare word for a view name and fail to reverse it.
    if next_url.startswith("/") and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}
    ):
        return HttpResponseRedirect(next_url)
    return redirect("tokens:list")


@login_required
def project_tokens(request: HttpRequest, name: str) -> HttpResponse:
    project = _my_project(request.user, name)
    mine = Token.objects.for_user(request.user).able_to_upload_to(project.normalized_name)
    is_owner = bool(can(request.principal, Action.VIEW_PROJECT_TOKENS, project))
    others = Token.objects.none()
    if is_owner:
        collaborators = Role.objects.filter(project=project).exclude(user=request.user)
        others = (
            Token.objects.filter(user__in=collaborators.values("user"))
            .able_to_upload_to(project.normalized_name)
            .select_related("user")
            .order_by("user__username", "-created")
        )
    # Tokens its trusted publishers minted for CI jobs and that still work (minutes).
    minted = (
        Token.objects.filter(user__isnull=True, organization__isnull=True)
        .active()
        .able_to_upload_to(project.normalized_name)
        .order_by("-created")
    )
    return render(
        request,
        "tokens/project.html",
        {
            "project": project,
            "tokens": mine,
            "is_owner": is_owner,
            "others": others,
            "minted": minted,
            "can_revoke_minted": is_owner,
        },
    )


@reauth_required
def project_token_create(request: HttpRequest, name: str) -> HttpResponse:
    project = _my_project(request.user, name)
    require(request.principal, Action.TOKEN_CREATE)
    form = ProjectTokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = services.token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                projects=[project.normalized_name],
                expires_at=form.expires_at,
                request=request,
            )
        except WharfError as error:
            form.add_error(None, error.message)
        else:
            return _created(request, token, raw)
    return render(request, "tokens/create.html", {"form": form, "project": project})


# --- Where the account is signed in: browser sessions and API tokens ------------------------
# The page lives here, above accounts (which keeps the session bookkeeping), to list tokens too.


@login_required
def sessions(request: HttpRequest) -> HttpResponse:
    current = signed_in.current_session_id(request)
    rows = [
        {
            "pk": row.pk,
            "device": row.device or "an unknown browser",
            "ip_address": row.ip_address,
            "created": row.created,
            "last_seen": row.last_seen,
            "method": row.method,
            "current": row.pk == current,
        }
        for row in UserSession.objects.active_for(request.user)
    ]
    rows.sort(key=lambda row: not row["current"])
    return render(
        request,
        "tokens/sessions.html",
        {
            "sessions": rows,
            "others": sum(1 for row in rows if not row["current"]),
            "access_tokens": [
                {
                    "pk": token.pk,
                    "public_id": token.public_id,
                    "device": describe_user_agent(token.user_agent),
                    "created_ip": token.created_ip,
                    "created": token.created,
                    "expires_at": token.expires_at,
                    "last_used_at": token.last_used_at,
                    "last_used_ip": token.last_used_ip,
                }
                for token in AccessToken.objects.for_user(request.user).active()
            ],
        },
    )


@login_required
@require_POST
def session_end(request: HttpRequest, pk: int) -> HttpResponse:
    signed_in.session_end(user=request.user, session_id=pk, request=request)
    messages.success(request, "That session is signed out.")
    return redirect("tokens:sessions")


@login_required
@require_POST
def sessions_end_others(request: HttpRequest) -> HttpResponse:
    count = signed_in.sessions_end_others(user=request.user, request=request)
    messages.success(
        request,
        f"Signed out {count} other session{'s' if count != 1 else ''}."
        if count
        else "There were no other sessions to sign out.",
    )
    return redirect("tokens:sessions")


@login_required
@require_POST
def access_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(AccessToken, pk=pk, user=request.user)
    services.access_token_revoke(token=token, actor=request.user, request=request)
    messages.success(request, "That API access token is revoked: scripts using it are refused.")
    return redirect("tokens:sessions")
