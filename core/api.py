"""The base of every /api/v1/ view: who may call it, and how errors are documented.

Authentication is HTTP Basic (username + password, plus X-OTP for 2FA accounts) or a
browser session with CSRF. API tokens are refused: they are for uploads only.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.drainage import has_override
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView, exception_handler

from .errors import WharfError, add_error_headers
from .principals import Principal, current
from .urls import absolute_url


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What happened and what to do.")
    errors = serializers.DictField(
        required=False, help_text="For bad input: the messages per field."
    )


class TextField(serializers.CharField):
    """A CharField for input that takes JSON strings only (DRF's own turns 12 into "12")."""

    def to_internal_value(self, data: object) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Bad input; `detail` says what to fix."),
    401: OpenApiResponse(ErrorSerializer, description="Not signed in (API tokens are refused)."),
    403: OpenApiResponse(ErrorSerializer, description="Not allowed; `detail` says why."),
    404: OpenApiResponse(ErrorSerializer, description="Not found; `detail` says what."),
    409: OpenApiResponse(ErrorSerializer, description="Conflicts with the current state."),
    415: OpenApiResponse(
        ErrorSerializer, description="The body is not JSON: send Content-Type: application/json."
    ),
    429: OpenApiResponse(
        ErrorSerializer,
        description="Too many attempts; wait the seconds the Retry-After header gives.",
    ),
    503: OpenApiResponse(
        ErrorSerializer,
        description="A service Wharf depends on is down; try again in a little while.",
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
    """`page` and `page_size` in the query; a value that is not a whole number in range is
    refused (400) rather than quietly replaced."""

    page_size_query_param = "page_size"
    max_page_size = 200
    last_page_strings = ()

    def get_page_number(self, request, paginator) -> int:
        return _query_number(request, self.page_query_param) or 1

    def get_page_size(self, request) -> int | None:
        return _query_number(request, self.page_size_query_param, most=self.max_page_size) or (
            self.page_size
        )


def _query_number(request, name: str, most: int | None = None) -> int | None:
    """The whole number from 1 (to most) in query parameter name; None when it is absent."""
    if name not in request.query_params:
        return None
    value = request.query_params[name]
    # Past the last page answers 404 however far; 4,000 digits is as long as int() reads.
    number = int(value) if value.isascii() and value.isdigit() and len(value) <= 4000 else 0
    if number < 1 or (most is not None and number > most):
        limit = f" to {most}" if most is not None else ""
        raise ValidationError({name: [f"send a whole number from 1{limit}, not {value[:50]!r}."]})
    return number


# --- The schema: what every operation can answer, documented once for all of them --------

X_OTP = OpenApiParameter(
    "X-OTP",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description="With HTTP Basic, for an account with two-factor authentication: the current "
    "authenticator-app code (or an unused recovery code). Ignored otherwise.",
)
_PAGE_PARAMETERS = [
    OpenApiParameter(
        "page",
        {"type": "integer", "minimum": 1},
        location=OpenApiParameter.QUERY,
        required=False,
        description="The page to answer, from 1; past the last page answers 404.",
    ),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": Pagination.max_page_size},
        location=OpenApiParameter.QUERY,
        required=False,
        description=f"Items per page, from 1 to {Pagination.max_page_size} (default "
        f"{api_settings.PAGE_SIZE}).",
    ),
]
_RESPONSE_HEADERS = [
    OpenApiParameter(
        "Retry-After",
        OpenApiTypes.INT,
        location=OpenApiParameter.HEADER,
        response=[429],
        description="Seconds to wait before trying again.",
    ),
    OpenApiParameter(
        "WWW-Authenticate",
        OpenApiTypes.STR,
        location=OpenApiParameter.HEADER,
        response=[401],
        description="The scheme to sign in with (HTTP Basic).",
    ),
]


class ApiSchema(AutoSchema):
    """drf-spectacular's schema for every /api/v1/ operation, with what all of them share.

    Any call may send X-OTP, and can be refused for its credentials (401), for what they may
    do (403), for too many failed sign-ins (429 with Retry-After) or because a service it
    needs is down (503); a body can be malformed (400) or not JSON (415); a path with
    parameters can name nothing (404); a list answered with `paginated()` takes `page` and
    `page_size` (400 when out of range, 404 past the end). An operation documents the rest
    with `errors(...)`; new operations inherit all of this from the setting.
    """

    def get_override_parameters(self) -> list:
        parameters = [*super().get_override_parameters(), X_OTP, *_RESPONSE_HEADERS]
        if self._is_paginated():
            parameters += _PAGE_PARAMETERS
        return parameters

    def _is_paginated(self) -> bool:
        responses = self.get_response_serializers()
        ok = responses.get(200) if isinstance(responses, dict) else responses
        if isinstance(ok, OpenApiResponse):
            ok = ok.response
        return ok in _paginated.values()

    def _get_serializer_field_meta(self, field, direction) -> dict:
        meta = super()._get_serializer_field_meta(field, direction)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and not field.allow_blank
            and not field.read_only
            and not has_override(field, "field")  # its own schema says what it takes
        ):
            # DRF refuses a blank string (after trimming spaces) and NUL characters.
            meta["pattern"] = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
        return meta

    def _get_response_bodies(self, direction="response") -> dict:
        responses = super()._get_response_bodies(direction)
        codes = [401, 403, 429, 503]
        if self.method in ("POST", "PUT", "PATCH"):
            codes += [400, 415]
        if self._is_paginated():
            codes.append(400)
        if "{" in self.path or self._is_paginated():
            codes.append(404)
        for code in sorted(codes):
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    _ERRORS[code], str(code), direction=direction
                )
        return dict(sorted(responses.items()))


@csrf_exempt  # as every API view: it changes nothing, and answers JSON, not a CSRF page
def api_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any /api/v1/ address no operation answers (e.g. a word where an id goes): JSON 404."""
    return JsonResponse(
        {
            "detail": f"no API operation at {request.path[:200]}: the operations are listed "
            f"at {absolute_url('api:docs')}"
        },
        status=404,
    )


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
