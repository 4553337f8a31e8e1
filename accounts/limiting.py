"""core.limits applied to allauth's pages (sign-in, sign-up, password reset, resending mail).

allauth's own limits are off (ACCOUNT_RATE_LIMITS = False): these adapters count with the one
limiter and answer a tripped limit with 429 and Retry-After, the form saying the wait in words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse

from core import limits
from core.errors import RateLimited, add_error_headers

from .events import client_ip

Rule = Callable[[HttpRequest], Iterable[tuple[str, str]]]


def limit_posts(rule: Rule, message: str | None = None) -> Callable[[Callable], Callable]:
    """Count every POST to the view under the limits rule names; refuse with 429 when spent."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST":
                for name, key in rule(request):
                    limits.consume(name, key, message=message)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def answer_form_limits(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A form that tripped a limit (form.rate_limited) is answered 429 with Retry-After."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        form = (getattr(response, "context_data", None) or {}).get("form")
        error = getattr(form, "rate_limited", None)
        if isinstance(error, RateLimited):
            response.status_code = 429
            add_error_headers(response, error)
        return response

    return wrapper


def signup_rule(request: HttpRequest) -> list[tuple[str, str]]:
    return [("signup_ip", client_ip(request) or "unknown")]


def reset_rule(request: HttpRequest) -> list[tuple[str, str]]:
    email = request.POST.get("email", "").strip().lower()[:254]
    return [("reset_ip", client_ip(request) or "unknown"), ("reset_address", email)]


def sign_in_message(retry_after: int) -> str:
    return (
        "Too many failed sign-in attempts for this account. Wait "
        f"{limits.in_words(retry_after)} and try again, or reset your password."
    )
