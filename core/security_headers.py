"""Content-Security-Policy on every response: a second wall behind escaping and sanitizing.

Project pages show HTML rendered from uploaded READMEs (sanitized by readme_renderer); if a
script ever slipped through, the policy still refuses to run anything not served by us.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"


class ContentSecurityPolicyMiddleware:
    """Adds settings.CONTENT_SECURITY_POLICY unless the view set its own policy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY and HEADER not in response:
            response[HEADER] = settings.CONTENT_SECURITY_POLICY
        return response
