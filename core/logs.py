"""Structured logs: one JSON object per line with time, level, request id and user.

`RequestContextMiddleware` gives each request an id (the proxy's X-Request-ID when it sent a
sane one, else a new one), returns it in the response's X-Request-ID and makes it and the
signed-in user available to every log line written while the request runs.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

_request: ContextVar[tuple[str, HttpRequest] | None] = ContextVar("wharf_request", default=None)
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")


def current_request_id() -> str | None:
    current = _request.get()
    return current[0] if current else None


def _current_user() -> str | None:
    current = _request.get()
    if current is None:
        return None
    # Only a user already loaded: a log line must never query the database.
    user = current[1].__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        user = None if user._wrapped is empty else user._wrapped
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.get_username()


class JsonFormatter(logging.Formatter):
    """A log record as one JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": current_request_id(),
            "user": _current_user(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class RequestContextMiddleware:
    """Tags the request's log lines with its id and user; echoes X-Request-ID."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
        request.request_id = request_id
        # Kept until the request is finished: Django logs a 4xx/5xx after the middleware ran.
        _request.set((request_id, request))
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


def _forget_request(**kwargs) -> None:
    _request.set(None)


request_finished.connect(_forget_request, dispatch_uid="core.logs.forget_request")
