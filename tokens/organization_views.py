"""The organization's token page (/manage/organization/<name>/tokens/): list, create, revoke."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts.reauth import posts_action, reauth_required_when
from core.errors import WharfError
from core.permissions import Action, can
from core.urls import absolute_url
from organizations.views import actor_of, managed_organization, role_allows

from . import services
from .models import Token


def _expiry(value: str) -> dt.datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as error:
        raise WharfError(
            f"the expiry {value[:30]!r} is not a date: use YYYY-MM-DD, or leave it empty."
        ) from error
    return dt.datetime.combine(day, dt.time(23, 59), tzinfo=dt.UTC)


@reauth_required_when(posts_action("create", "revoke"))
def organization_tokens(request: HttpRequest, org: str) -> HttpResponse:
    organization = managed_organization(request, org)
    actor = actor_of(request)
    if not role_allows(organization, request, Action.ORGANIZATION_MANAGE_TOKENS):
        messages.error(
            request,
            f"only Owners and Managers of organization '{organization.name}' see its tokens.",
        )
        return redirect("organizations:manage", organization.normalized_name)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "create":
                projects = [p for p in request.POST.get("projects", "").replace(",", " ").split()]
                token, raw = services.organization_token_create(
                    organization=organization,
                    actor=actor,
                    name=request.POST.get("name", ""),
                    projects=projects,
                    expires_at=_expiry(request.POST.get("expires_at", "")),
                    request=request,
                )
                response = render(
                    request,
                    "tokens/created.html",
                    {
                        "token": token,
                        "raw": raw,
                        "upload_url": absolute_url("packages:legacy-upload"),
                    },
                )
                response["Cache-Control"] = "no-store"
                return response
            if action == "revoke":
                value = request.POST.get("token", "")
                token = get_object_or_404(
                    Token,
                    organization=organization,
                    pk=int(value) if value.isascii() and value.isdigit() and len(value) < 18 else 0,
                )
                services.organization_token_revoke(token=token, actor=actor, request=request)
                messages.success(request, f"The token “{token.name}” is revoked.")
        except WharfError as error:
            messages.error(request, error.message)
        return redirect("tokens:organization-tokens", organization.normalized_name)
    return render(
        request,
        "tokens/organization.html",
        {
            "organization": organization,
            "tokens": organization.tokens.select_related("created_by").order_by("-created"),
            "can_revoke": can(actor, Action.ORGANIZATION_MANAGE_TOKENS, organization),
        },
    )
