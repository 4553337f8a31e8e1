"""Trusted publishing's PyPI-compatible endpoints: a CI job exchanges its OIDC token for a
short-lived upload token, without any stored secret.

`GET /_/oidc/audience` says which audience to request the CI token for; `POST
/_/oidc/mint-token` with `{"token": "<jwt>"}` answers `{"success": true, "token", "expires"}`
or 422 `{"message", "errors": [{"code", "description"}]}` naming what did not match; `POST
/_/oidc/burn-token` lets the job revoke its token when done (as uv does). The rules live in
publishing (which publisher the CI token proves) and tokens.services (the minted token).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.reauth import reauth_required
from core.errors import WharfError, add_error_headers
from packages.models import Project
from publishing.oidc import refuse

from .models import Token
from .services import token_burn_minted, token_mint_for_publisher, token_revoke_minted


def _refusal(error: WharfError) -> JsonResponse:
    problems = getattr(error, "problems", None) or []
    code = "invalid-request" if error.status_code < 500 else "unavailable"
    response = JsonResponse(
        {
            "message": f"Token request failed: {error.message}",
            "errors": [{"code": p.code, "description": p.description} for p in problems]
            or [{"code": code, "description": error.message}],
        },
        status=error.status_code,
    )
    add_error_headers(response, error)
    return response


def _token_from_body(request: HttpRequest) -> str:
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        body = None
    token = body.get("token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token.strip():
        raise refuse(
            "invalid-payload",
            'the body must be JSON {"token": "<the OIDC token your CI job issued>"}.',
        )
    return token.strip()


@require_GET
def audience(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"audience": settings.OIDC_AUDIENCE})


@csrf_exempt  # called by CI jobs with a JSON body, never by a browser form
@require_POST
def mint_token(request: HttpRequest) -> JsonResponse:
    try:
        oidc_token = _token_from_body(request)
        token, raw = token_mint_for_publisher(oidc_token=oidc_token, request=request)
    except WharfError as error:
        return _refusal(error)
    return JsonResponse(
        {"success": True, "token": raw, "expires": int(token.expires_at.timestamp())}
    )


@csrf_exempt  # called by CI jobs with a JSON body, never by a browser form
@require_POST
def burn_token(request: HttpRequest) -> JsonResponse:
    try:
        raw = _token_from_body(request)
    except WharfError:
        raw = ""
    token_burn_minted(raw=raw, request=request)
    # As PyPI: 202 whether or not there was such a token (nothing to learn by guessing).
    return JsonResponse({"success": True}, status=202)


@login_required
@reauth_required
@require_POST
def revoke_minted(request: HttpRequest, name: str, pk: int) -> HttpResponse:
    """An Owner ends a CI job's token at once (instead of within its 15 minutes)."""
    project = get_object_or_404(Project, normalized_name=name)
    if project.role_of(request.user) is None:
        raise Http404("You have no project by that name.")
    token = get_object_or_404(Token, pk=pk, user__isnull=True, organization__isnull=True)
    try:
        token_revoke_minted(token=token, actor=request.principal, project=project, request=request)
    except WharfError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Revoked the token of {token.name}.")
    return redirect("tokens:project", project.normalized_name)
