from __future__ import annotations

from allauth.account import views as allauth_views
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .events import describe_event, describe_place
from .models import AccountEvent


def terms(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/terms.html", {"terms_version": settings.TERMS_VERSION})


@login_required
def account(request: HttpRequest) -> HttpResponse:
    events = [
        {
            "created": event.created,
            "text": describe_event(event.tag, event.details),
            "place": describe_place(event.ip_address, event.user_agent),
            "tag": event.tag,
        }
        for event in AccountEvent.objects.for_user(request.user)[:50]
    ]
    return render(
        request,
        "accounts/account.html",
        {"events": events, "show_tags": request.user.is_staff, **unverified_context(request)},
    )


def unverified_context(request: HttpRequest) -> dict[str, object]:
    """What the "verify your address" banner needs: shown until one address is verified."""
    user = request.user
    if not user.is_authenticated or user.has_verified_email:
        return {"needs_verification": False}
    pending = user.emailaddress_set.filter(verified=False).order_by("-primary").first()
    return {"needs_verification": True, "pending_email": pending.email if pending else ""}


class ConfirmEmailView(allauth_views.ConfirmEmailView):
    """allauth's confirmation page; a stale link posted again gets the page, not a bare 404."""

    def post(self, *args, **kwargs) -> HttpResponse:
        try:
            return super().post(*args, **kwargs)
        except Http404:
            self.object = None
            return self.render_to_response(self.get_context_data(), status=404)


confirm_email = ConfirmEmailView.as_view()
