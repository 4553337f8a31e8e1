"""Passkeys: register one, and sign in with it alone (no username, no password).

A passkey is a WebAuthn credential that is discoverable (the authenticator finds it without
a username) and verifies its user (PIN or biometrics), so one ceremony proves possession
and the user: it counts as both factors. The session it signs in is OTP-verified (the
admin accepts it) and freshly re-authenticated. Security keys keep working as second factors.
"""

from __future__ import annotations

from allauth.account.internal.flows.login import perform_login, record_authentication
from allauth.account.models import Login
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import webauthn
from .reauth import reauth_required, safe_next
from .twofactor import services
from .twofactor.forms import KeyLabelForm
from .twofactor.views import _json_view, _read_json, _show_new_codes


@reauth_required
@require_GET
@never_cache
def passkey_setup(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/twofactor/passkey_setup.html", {"form": KeyLabelForm()})


@reauth_required
@require_POST
@_json_view
def passkey_register_begin(request: HttpRequest) -> JsonResponse:
    return JsonResponse(webauthn.begin_registration(request, request.user, passkey=True))


@reauth_required
@require_POST
@_json_view
def passkey_register_complete(request: HttpRequest) -> JsonResponse:
    data = _read_json(request)
    credential = webauthn.complete_registration(request, data.get("credential"), passkey=True)
    _, codes = services.webauthn_register(
        user=request.user,
        label=str(data.get("label", "")),
        credential=credential,
        request=request,
        passkey=True,
    )
    messages.success(request, "Your passkey was added: you can now sign in with it alone.")
    return JsonResponse(
        {"redirect": _show_new_codes(request, codes, reverse("accounts:two_factor"))}
    )


@require_POST
@_json_view
def passkey_login_begin(request: HttpRequest) -> JsonResponse:
    return JsonResponse(webauthn.begin_passkey_authentication(request))


@require_POST
@_json_view
def passkey_login_complete(request: HttpRequest) -> JsonResponse:
    """Verify the passkey, then sign in through allauth (its stages, signals and limits)."""
    next_url = safe_next(request, request.GET.get("next"), resolve_url(settings.LOGIN_REDIRECT_URL))
    if request.user.is_authenticated:
        return JsonResponse({"redirect": next_url})
    assertion = webauthn.complete_passkey_authentication(
        request, _read_json(request).get("credential")
    )
    services.webauthn_accept(assertion=assertion, request=request)
    user = assertion.device.user
    # Both factors passed: the two-factor stage lets this sign-in through, and django-otp's
    # login receiver marks the session verified with this device.
    user.otp_device = assertion.device
    request._wharf_passkey = True  # type: ignore[attr-defined]
    record_authentication(request, user, method="passkey")
    response = perform_login(request, Login(user=user, redirect_url=next_url))
    return JsonResponse({"redirect": getattr(response, "url", next_url)})
