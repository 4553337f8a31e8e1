from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import AccountEvent


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def terms(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/terms.html", {"terms_version": settings.TERMS_VERSION})


@login_required
def account(request: HttpRequest) -> HttpResponse:
    events = AccountEvent.objects.for_user(request.user)[:50]
    return render(
        request,
        "accounts/account.html",
        {"events": events, **unverified_context(request)},
    )


def unverified_context(request: HttpRequest) -> dict[str, object]:
    """What the "verify your address" banner needs: shown until one address is verified."""
    user = request.user
    if not user.is_authenticated or user.has_verified_email:
        return {"needs_verification": False}
    pending = user.emailaddress_set.filter(verified=False).order_by("-primary").first()
    return {"needs_verification": True, "pending_email": pending.email if pending else ""}
