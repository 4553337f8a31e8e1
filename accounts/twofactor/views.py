"""Two-factor pages: manage factors, the sign-in second step, and re-authentication.

Thin views: forms validate, accounts.webauthn runs the ceremonies, accounts.twofactor.services
writes. JSON endpoints (used by static/js/webauthn.js) answer {"detail": ...} on refusal.
"""

from __future__ import annotations

import json
from base64 import b32encode
from collections.abc import Callable
from typing import Any

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.errors import RateLimited, WharfError, add_error_headers

from .. import webauthn
from ..models import User, WebAuthnDevice
from ..reauth import mark_reauthenticated, reauth_required, safe_next
from ..stages import pending_two_factor_stage
from . import recovery_device, services, totp_device, user_has_two_factor
from .forms import KeyLabelForm, ReauthenticateForm, SecondFactorCodeForm, TOTPConfirmForm
from .verification import (
    TOO_MANY_ATTEMPTS,
    CodeRefused,
    attempts_retry_after,
    check_code,
    count_failed_attempt,
)

_NEW_CODES_SESSION_KEY = "wharf_new_recovery_codes"
_TOTP_SHOWN_SESSION_KEY = "wharf_totp_setup_device"


def _read_json(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError as error:
        raise WharfError("The request body must be JSON: reload the page and try again.") from error
    if not isinstance(data, dict):
        raise WharfError("The request body must be a JSON object: reload the page and try again.")
    return data


def _too_many(wait: int) -> JsonResponse:
    response = JsonResponse({"detail": TOO_MANY_ATTEMPTS}, status=429)
    response["Retry-After"] = str(wait)
    return response


def _json_view(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
    """WharfErrors (fido2 refusals included) become {"detail": message} with their 4xx."""

    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        try:
            return view(request, *args, **kwargs)
        except WharfError as error:
            return JsonResponse({"detail": error.message}, status=error.status_code)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _show_new_codes(request: HttpRequest, codes: list[str] | None, default: str) -> str:
    """Where to go after a change: the one-time page of new recovery codes, if any."""
    if codes:
        request.session[_NEW_CODES_SESSION_KEY] = codes
        return reverse("accounts:recovery_codes")
    return default


# --- Managing factors --------------------------------------------------------------------


@login_required
@require_GET
def two_factor(request: HttpRequest) -> HttpResponse:
    codes = recovery_device(request.user)
    return render(
        request,
        "accounts/twofactor/overview.html",
        {
            "enabled": user_has_two_factor(request.user),
            "totp": totp_device(request.user),
            "keys": WebAuthnDevice.objects.filter(user=request.user).order_by("pk"),
            "codes_left": codes.remaining if codes else None,
        },
    )


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


@reauth_required
@never_cache
def totp_setup(request: HttpRequest) -> HttpResponse:
    device = services.totp_enroll(
        user=request.user, shown_before=request.session.get(_TOTP_SHOWN_SESSION_KEY)
    )
    request.session[_TOTP_SHOWN_SESSION_KEY] = services.totp_secret_digest(device)
    form = TOTPConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.totp_confirm(
                user=request.user, device=device, code=form.cleaned_data["code"], request=request
            )
        except WharfError as error:
            form.add_error("code", error.message)
        else:
            django_otp.login(request, TOTPDevice.objects.get(pk=device.pk))
            messages.success(request, "Your authenticator app is set up.")
            return redirect(_show_new_codes(request, codes, reverse("accounts:two_factor")))
    return render(
        request,
        "accounts/twofactor/totp_setup.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device.config_url),
            "secret": b32encode(device.bin_key).decode(),
        },
        status=400 if form.errors else 200,
    )


@reauth_required
@require_POST
def totp_remove(request: HttpRequest) -> HttpResponse:
    services.totp_remove(user=request.user, request=request)
    messages.success(request, "Your authenticator app was removed.")
    return redirect("accounts:two_factor")


@reauth_required
@require_GET
@never_cache
def webauthn_setup(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/twofactor/webauthn_setup.html", {"form": KeyLabelForm()})


@reauth_required
@require_POST
@_json_view
def webauthn_register_begin(request: HttpRequest) -> JsonResponse:
    return JsonResponse(webauthn.begin_registration(request, request.user))


@reauth_required
@require_POST
@_json_view
def webauthn_register_complete(request: HttpRequest) -> JsonResponse:
    data = _read_json(request)
    credential = webauthn.complete_registration(request, data.get("credential"))
    device, codes = services.webauthn_register(
        user=request.user, label=str(data.get("label", "")), credential=credential, request=request
    )
    django_otp.login(request, device)  # the key was just used: this session is verified
    messages.success(request, "Your security key was added.")
    return JsonResponse(
        {"redirect": _show_new_codes(request, codes, reverse("accounts:two_factor"))}
    )


@login_required
@require_POST
def webauthn_rename(request: HttpRequest, pk: int) -> HttpResponse:
    device = get_object_or_404(WebAuthnDevice, pk=pk, user=request.user)
    form = KeyLabelForm(request.POST)
    if not form.is_valid():
        raise WharfError("Give the key a name of 1 to 64 characters.")
    services.webauthn_rename(
        user=request.user, device=device, label=form.cleaned_data["label"], request=request
    )
    messages.success(request, "The security key was renamed.")
    return redirect("accounts:two_factor")


@reauth_required
@require_POST
def webauthn_remove(request: HttpRequest, pk: int) -> HttpResponse:
    device = get_object_or_404(WebAuthnDevice, pk=pk, user=request.user)
    services.webauthn_remove(user=request.user, device=device, request=request)
    messages.success(request, f"The security key “{device.name}” was removed.")
    return redirect("accounts:two_factor")


@login_required
@require_GET
@never_cache
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New codes are in the session once, right after they were made; then only the count."""
    codes = request.session.pop(_NEW_CODES_SESSION_KEY, None)
    device = recovery_device(request.user)
    return render(
        request,
        "accounts/twofactor/recovery_codes.html",
        {"codes": codes, "codes_left": device.remaining if device else 0},
    )


@reauth_required
@require_POST
def recovery_codes_regenerate(request: HttpRequest) -> HttpResponse:
    codes = services.recovery_codes_generate(user=request.user, request=request)
    return redirect(_show_new_codes(request, codes, reverse("accounts:two_factor")))


# --- Sign-in: the second step after the password -------------------------------------------


def _check_form_code(form: Any, user: User) -> tuple[Any | None, RateLimited | None]:
    """check_code() on the form's code: the device, or the refusal added to the form."""
    try:
        return check_code(user, form.cleaned_data["code"]), None
    except RateLimited as error:
        form.add_error(None, error.message)
        return None, error
    except CodeRefused as error:
        form.add_error("code", error.message)
        return None, None


def _expired_login(request: HttpRequest) -> HttpResponse:
    messages.error(request, "Your sign-in timed out: enter your username and password again.")
    return HttpResponseRedirect(reverse("account_login"))


def _finish_login(request: HttpRequest, stage: Any, device: Any) -> HttpResponse:
    user: User = stage.login.user
    # allauth logs this user object in; django-otp's user_logged_in receiver then stores the
    # device in the session (verified), and used_factor() reads it for the sign-in event.
    user.otp_device = device
    mark_reauthenticated(request)
    services.second_factor_used(
        user=user,
        factor=_factor_of(device),
        label=device.name,
        purpose="sign-in",
        request=request,
    )
    return stage.exit()


def _factor_of(device: Any) -> str:
    return getattr(device, "factor_name", "totp")


@never_cache
def two_factor_login(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    stage = pending_two_factor_stage(request)
    if stage is None:
        return _expired_login(request)
    user: User = stage.login.user
    form = SecondFactorCodeForm(request.POST or None)
    status, retry_after = 200, None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            device, retry_after = _check_form_code(form, user)
            if device is not None:
                return _finish_login(request, stage, device)
            status = 429 if retry_after else 400
    response = render(
        request,
        "accounts/twofactor/login.html",
        {
            "form": form,
            "has_totp": totp_device(user) is not None,
            "has_keys": WebAuthnDevice.objects.filter(user=user, confirmed=True).exists(),
            "has_codes": recovery_device(user) is not None,
        },
        status=status,
    )
    return add_error_headers(response, retry_after) if retry_after else response


@require_POST
@_json_view
def two_factor_login_webauthn_begin(request: HttpRequest) -> JsonResponse:
    stage = pending_two_factor_stage(request)
    if stage is None:
        return JsonResponse({"detail": "Your sign-in timed out: sign in again."}, status=400)
    return JsonResponse(webauthn.begin_authentication(request, stage.login.user, "login"))


@require_POST
@_json_view
def two_factor_login_webauthn_complete(request: HttpRequest) -> JsonResponse:
    stage = pending_two_factor_stage(request)
    if stage is None:
        return JsonResponse({"detail": "Your sign-in timed out: sign in again."}, status=400)
    user: User = stage.login.user
    if (wait := attempts_retry_after(user)) is not None:
        return _too_many(wait)
    try:
        assertion = webauthn.complete_authentication(
            request, user, "login", _read_json(request).get("credential")
        )
        services.webauthn_accept(assertion=assertion, request=request)
    except WharfError:
        count_failed_attempt(user)
        raise
    response = _finish_login(request, stage, assertion.device)
    return JsonResponse(
        {"redirect": getattr(response, "url", resolve_url(settings.LOGIN_REDIRECT_URL))}
    )


# --- Re-authentication -----------------------------------------------------------------------


def _reauth_done(request: HttpRequest, device: Any | None) -> str:
    if device is not None:
        django_otp.login(request, device)
        services.second_factor_used(
            user=request.user,
            factor=_factor_of(device),
            label=device.name,
            purpose="re-authentication",
            request=request,
        )
    mark_reauthenticated(request)
    return safe_next(request, request.GET.get("next"), reverse("accounts:account"))


@login_required
@never_cache
def reauthenticate(request: HttpRequest) -> HttpResponse:
    user: User = request.user
    needs_factor = user_has_two_factor(user)
    form = ReauthenticateForm(request.POST or None)
    status, retry_after = 200, None
    if request.method == "POST":
        status = 400
        if (wait := attempts_retry_after(user)) is not None:
            form.add_error(None, TOO_MANY_ATTEMPTS)
            status, retry_after = 429, RateLimited(TOO_MANY_ATTEMPTS, retry_after=wait)
        elif form.is_valid():
            device = None
            if not user.check_password(form.cleaned_data["password"]):
                form.add_error("password", "Wrong password: enter the password you sign in with.")
                count_failed_attempt(user)
            elif needs_factor:
                device, retry_after = _check_form_code(form, user)
                status = 429 if retry_after else 400
            if not form.errors:
                return HttpResponseRedirect(_reauth_done(request, device))
    response = render(
        request,
        "accounts/twofactor/reauthenticate.html",
        {
            "form": form,
            "needs_factor": needs_factor,
            "has_keys": WebAuthnDevice.objects.filter(user=user, confirmed=True).exists(),
            "has_totp": totp_device(user) is not None,
            "next": safe_next(request, request.GET.get("next"), ""),
        },
        status=status,
    )
    return add_error_headers(response, retry_after) if retry_after else response


@login_required
@require_POST
@_json_view
def reauthenticate_webauthn_begin(request: HttpRequest) -> JsonResponse:
    return JsonResponse(webauthn.begin_authentication(request, request.user, "reauth"))


@login_required
@require_POST
@_json_view
def reauthenticate_webauthn_complete(request: HttpRequest) -> JsonResponse:
    user: User = request.user
    if (wait := attempts_retry_after(user)) is not None:
        return _too_many(wait)
    data = _read_json(request)
    if not user.check_password(str(data.get("password", ""))):
        count_failed_attempt(user)
        raise WharfError("Wrong password: enter the password you sign in with, then your key.")
    try:
        assertion = webauthn.complete_authentication(
            request, user, "reauth", data.get("credential")
        )
        services.webauthn_accept(assertion=assertion, request=request)
    except WharfError:
        count_failed_attempt(user)
        raise
    return JsonResponse({"redirect": _reauth_done(request, assertion.device)})
