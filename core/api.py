"""The base of every /api/v1/ view: who may call it, and how errors are documented.

Authentication is HTTP Basic (username + password, plus X-OTP for 2FA accounts) or a
browser session with CSRF. API tokens are refused: they are for uploads only.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler

from .errors import WharfError, add_error_headers
from .principals import Principal, current


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What happened and what to do.")
    errors = serializers.DictField(
        required=False, help_text="For bad input: the messages per field."
    )


_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Bad input; `detail` says what to fix."),
    401: OpenApiResponse(ErrorSerializer, description="Not signed in (API tokens are refused)."),
    403: OpenApiResponse(ErrorSerializer, description="Not allowed; `detail` says why."),
    404: OpenApiResponse(ErrorSerializer, description="Not found; `detail` says what."),
    409: OpenApiResponse(ErrorSerializer, description="Conflicts with the current state."),
    429: OpenApiResponse(
        ErrorSerializer,
        description="Too many attempts; wait the seconds the Retry-After header gives.",
    ),
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The documented error responses for codes."""
    return {code: _ERRORS[code] for code in codes}


_paginated: dict[type, type] = {}


def paginated(serializer_class: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The schema of a page of serializer_class, as `Pagination` answers it."""
    if serializer_class not in _paginated:
        name = serializer_class.__name__.removesuffix("Serializer").removesuffix("Output")
        _paginated[serializer_class] = type(
            f"Paginated{name}List",
            (serializers.Serializer,),
            {
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": serializer_class(many=True),
            },
        )
    return _paginated[serializer_class]


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


class ApiView(APIView):
    # Who is calling comes from settings.REST_FRAMEWORK's authentication classes (the
    # principal resolver, wired in by config/): this base imports no app.
    # JSON bodies only: a browser that once answered the Basic prompt sends the credentials
    # by itself, and Basic has no CSRF check, but another site's form cannot send JSON.
    parser_classes = [JSONParser]

    def handle_exception(self, exc: Exception):
        if isinstance(exc, exceptions.UnsupportedMediaType):
            exc = exceptions.UnsupportedMediaType(
                self.request.content_type,
                detail=(
                    f"the API reads JSON only, not {self.request.content_type or 'this body'}: "
                    "send the body as JSON with Content-Type: application/json."
                ),
            )
        return super().handle_exception(exc)

    @property
    def principal(self) -> Principal:
        """Who calls: the API credentials' principal, or the browser session's."""
        auth = self.request.auth
        if isinstance(auth, Principal):
            return auth
        return current(self.request._request)

    def paginate(self, queryset, serializer_class):
        """A paginated response of queryset rendered with serializer_class."""
        paginator = Pagination()
        page = paginator.paginate_queryset(queryset, self.request, self)
        return paginator.get_paginated_response(serializer_class(page, many=True).data)


def _flatten(errors: object, prefix: str = "") -> list[str]:
    """DRF's nested validation errors as "field: message" lines."""
    if isinstance(errors, dict):
        return [
            line
            for key, value in errors.items()
            for line in _flatten(value, f"{prefix}{key}." if key != "non_field_errors" else prefix)
        ]
    if isinstance(errors, list):
        return [line for item in errors for line in _flatten(item, prefix)]
    return [f"{prefix.rstrip('.')}: {errors}" if prefix else str(errors)]


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, WharfError):
        response = Response({"detail": exc.message}, status=exc.status_code)
        add_error_headers(response, exc)
        return response
    response = exception_handler(exc, context)
    if isinstance(exc, ValidationError) and response is not None:
        # One shape for every API error: a readable `detail`, the fields in `errors`.
        response.data = {"detail": " ".join(_flatten(response.data)), "errors": response.data}
    return response
