"""Re-authentication ("sudo mode") for sensitive actions.

A view wrapped in @reauth_required runs only if the password (and, for an account with
two-factor, a second factor) was entered in this session within REAUTH_MAX_AGE seconds.
Otherwise the user is sent to /manage/account/reauthenticate/?next=<where they were>.
Signing in counts: the login stage marks the session when the password and factor pass.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

SESSION_KEY = "wharf_reauthenticated_at"
DEFAULT_MAX_AGE = 300
REAUTH_MESSAGE = "Confirm it's you: enter your password (and second factor) to continue."


def max_age() -> int:
    return int(getattr(settings, "REAUTH_MAX_AGE", DEFAULT_MAX_AGE))


def mark_reauthenticated(request: HttpRequest) -> None:
    """Record that the password (and second factor, if any) were just entered."""
    request.session[SESSION_KEY] = time.time()


def is_recently_authenticated(request: HttpRequest) -> bool:
    at = request.session.get(SESSION_KEY)
    return isinstance(at, (int, float)) and 0 <= time.time() - at <= max_age()


def safe_next(request: HttpRequest, candidate: str | None, default: str) -> str:
    """candidate if it is a path on this site, otherwise default."""
    allowed = {request.get_host()}
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts=allowed, require_https=request.is_secure()
    ):
        parts = urlsplit(candidate)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        # "https://this.site//evil.example" keeps a path that is itself another site's URL.
        if path.startswith("/") and url_has_allowed_host_and_scheme(path, allowed_hosts=allowed):
            return path
    return default


def reauth_url(request: HttpRequest) -> str:
    """Where to re-authenticate, returning afterwards to the page the user was on."""
    if request.method in ("GET", "HEAD"):
        back = request.get_full_path()
    else:
        # A form's POST cannot be replayed after the detour: return to the page holding it,
        # which gets back what was typed (restored_form below; static/js/wharf.js fills it in).
        back = safe_next(request, request.META.get("HTTP_REFERER"), reverse("accounts:account"))
        _keep_form(request, back)
    return reverse("accounts:reauthenticate") + "?" + urlencode({"next": back})


FORM_KEY = "wharf_reauth_form"
# Secrets and one-time values are never kept; the rest is what the user typed or chose.
_NOT_KEPT = {"csrfmiddlewaretoken", "password", "oldpassword", "password1", "password2", "code"}


def _keep_form(request: HttpRequest, back: str) -> None:
    fields = [name for name in request.POST if name not in _NOT_KEPT][:50]
    data = {name: [v[:5000] for v in request.POST.getlist(name)[:50]] for name in fields}
    request.session[FORM_KEY] = {"path": urlsplit(back).path, "data": data}


def restored_form(request: HttpRequest) -> dict[str, Any]:
    """Context processor: the fields posted before a re-authentication detour, once, on the
    page they came from (only for requests that carry a session cookie)."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES or not hasattr(request, "session"):
        return {}
    kept = request.session.get(FORM_KEY)
    if not isinstance(kept, dict) or kept.get("path") != request.path:
        return {}
    del request.session[FORM_KEY]
    return {"restored_form": kept.get("data") or {}}


def redirect_to_reauthenticate(request: HttpRequest, next_url: str) -> HttpResponseRedirect:
    """Send the user to re-authenticate (password + second factor), then on to next_url."""
    back = safe_next(request, next_url, reverse("accounts:account"))
    return HttpResponseRedirect(
        reverse("accounts:reauthenticate") + "?" + urlencode({"next": back})
    )


def _wants_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json" or "application/json" in request.headers.get(
        "Accept", ""
    )


def reauth_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run the view only after a recent password (+ second factor) check; else ask for one."""
    return reauth_required_when(lambda request: True)(view)


def reauth_required_when(
    sensitive: Callable[[HttpRequest], bool],
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Like reauth_required, for views where only some requests are sensitive."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not sensitive(request) or is_recently_authenticated(request):
                return view(request, *args, **kwargs)
            url = reauth_url(request)
            if _wants_json(request):
                return JsonResponse({"detail": REAUTH_MESSAGE, "reauth_url": url}, status=403)
            return HttpResponseRedirect(url)

        wrapper.reauth_required = True  # type: ignore[attr-defined]
        return wrapper

    return decorator


def changes_email_addresses(request: HttpRequest) -> bool:
    """allauth's email page: adding, removing or making an address primary is sensitive.

    An address added and verified by whoever holds the session can receive a password
    reset, which would turn a borrowed session into the account itself.
    """
    actions = ("action_add", "action_remove", "action_primary")
    return request.method == "POST" and any(action in request.POST for action in actions)


def posts_action(*actions: str) -> Callable[[HttpRequest], bool]:
    """A POST whose "action" field is one of actions, e.g. posts_action("delete_release")."""
    return lambda request: request.method == "POST" and request.POST.get("action") in actions
