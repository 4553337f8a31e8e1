"""One error shape: services raise WharfError; this module turns it into a 4xx.

HTML pages get a rendered error page, the API gets JSON `{"detail": ...}`, and
upload clients (twine prints only the HTTP reason phrase) get the message in the
reason phrase as well as in a plain-text body.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import render


class WharfError(Exception):
    """A refusal with a message that says what happened and what to do."""

    status_code = 400

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code


class Unauthenticated(WharfError):
    """Credentials missing or wrong (401); the message says what to send."""

    status_code = 401


class NotAllowed(WharfError):
    status_code = 403


class NotFound(WharfError):
    status_code = 404


class Conflict(WharfError):
    status_code = 409


class RateLimited(WharfError):
    """Too many attempts: answered 429 with Retry-After (seconds) on every interface."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(WharfError):
    """A service Wharf depends on (cache, mail, storage) failed: 503, never a bypass."""

    status_code = 503


def add_error_headers(response: HttpResponse, error: WharfError) -> HttpResponse:
    """Headers an error carries whatever the interface: Retry-After for 429."""
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(error.retry_after)
    return response


def reason_phrase(message: str) -> str:
    """A one-line, latin-1 safe version of message for the HTTP reason phrase."""
    line = " ".join(message.split())
    return line.encode("latin-1", "replace").decode("latin-1")[:500]


def plain_error_response(error: WharfError) -> HttpResponse:
    """The response upload clients see: the message in the reason phrase and the body."""
    response = HttpResponse(
        error.message + "\n", status=error.status_code, content_type="text/plain; charset=utf-8"
    )
    response.reason_phrase = reason_phrase(error.message)
    return add_error_headers(response, error)


class WharfErrorMiddleware:
    """Renders a WharfError escaping an HTML view as a 4xx page with its message."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, WharfError):
            return None
        response = render(
            request, "error.html", {"message": exception.message}, status=exception.status_code
        )
        return add_error_headers(response, exception)


class NulBytePathMiddleware:
    """A NUL byte in the path matches no page: answer 404 before any lookup sees it.

    PostgreSQL refuses NUL in text (a DataError, so a 500) and the filesystem refuses it in
    names; no URL of this site contains one, so one check here covers every view.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            return HttpResponseNotFound(
                "Not found: the address contains a NUL byte; check the link.\n",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
