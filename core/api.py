"""What every API endpoint shares: token authentication, role permissions, throttles, the JSON
parser with a size limit, pagination and the 409 error. The endpoints live in each app's
`api.py` and call the same services and selectors as the pages; the routes are in
`midi_regions/api_urls.py`."""

import json
import re

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from core import proxy, ratelimit
from core.dates import ApiDateTimeField

# --- Authentication ----------------------------------------------------------------------------


# --- Permissions -------------------------------------------------------------------------------


# --- Throttles ---------------------------------------------------------------------------------


class ClientAddressMixin:
    """The visitor's address by the pages' rule (core.proxy), not DRF's own reading of
    X-Forwarded-For, which believes whatever the client wrote there."""

    def get_ident(self, request) -> str:
        return proxy.client_ip(request)


class ApiRateThrottle(ClientAddressMixin, SimpleRateThrottle):
    """Every call, per user (or per IP when anonymous): settings.API_RATE_LIMITS, read per call."""

    def get_rate(self):
        return settings.API_RATE_LIMITS["user" if self.scope == "user" else "anonymous"]

    def allow_request(self, request, view):
        self.scope = "user" if request.user and request.user.is_authenticated else "anonymous"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        ident = request.user.pk if self.scope == "user" else self.get_ident(request)
        return f"throttle:api:{self.scope}:{ident}"


class WriteThrottle(ClientAddressMixin, BaseThrottle):
    """The booking and request-creation limits of the pages (settings.RATE_LIMITS), shared with
    them: an integration cannot book more than the browser allows. POSTs only; the view names its
    scope in `write_scope`."""

    def allow_request(self, request, view) -> bool:
        scope = getattr(view, "write_scope", None)
        self.retry = None
        if request.method != "POST" or scope is None:
            return True
        keys = {
            "user": request.user.pk if request.user.is_authenticated else None,
            "ip": self.get_ident(request),
        }
        for kind, rate in settings.RATE_LIMITS.get(scope, {}).items():
            if keys.get(kind) is None:
                continue
            retry = ratelimit.hit(f"{scope}:{kind}", str(keys[kind]), rate)
            if retry is not None:
                self.retry = retry
                return False
        return True

    def wait(self):
        return self.retry


# --- Parsing, pagination, errors ---------------------------------------------------------------


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"


class Conflict(exceptions.APIException):
    """The request is valid but the resource's state refuses it (slot taken, request closed)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    @classmethod
    def refusing(cls, error) -> "Conflict":
        """The 409 of a service's refusal (a core.errors.ServiceError): its message and code."""
        return cls(detail=error.message, code=error.code)


class LimitedJSONParser(JSONParser):
    """JSON bodies of at most settings.API_MAX_BODY_BYTES; malformed or too deeply nested JSON is
    a 400, never a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        if stream is None:
            return {}
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise PayloadTooLarge
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = body.decode(encoding)
        except LookupError:  # not a text encoding (rot13, base64…): core.middleware refuses them first
            raise exceptions.UnsupportedMediaType(media_type) from None
        except UnicodeDecodeError as error:
            raise exceptions.ParseError(_("The body is not valid JSON.")) from error
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as error:
            raise exceptions.ParseError(_("The body is not valid JSON.")) from error
        if "\\u0000" in text:
            # PostgreSQL text cannot hold NUL: no field accepts one (core.middleware).
            raise exceptions.ParseError(_("The request contains a NUL character, which no field accepts."))
        return data


def exception_handler(exc, context):
    """DRF's handler; a 409 also says which conflict in `code` (slot_taken, limit_upcoming…)."""
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, Conflict):
        response.data["code"] = exc.get_codes()
    return response


class Pagination(PageNumberPagination):
    """Pages of 50 by default; `page_size` from 1 to 200, anything else a 400 (DRF ignores a
    `page_size` it cannot read and serves the default page, which hides the caller's mistake)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [_("A whole number from 1 to 200.")]}, code="invalid"
            )
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters


# --- Query parameters --------------------------------------------------------------------------


def query_params(request) -> dict:
    """The query string as a plain dict, for a serializer to validate.

    Given a QueryDict, DRF's fields treat an empty optional value (`status=`) as absent, so a
    filter sent empty by mistake was silently ignored; as a dict, it is validated like any value
    (an empty choice, name or region is a 400)."""
    return request.query_params.dict()


# RFC 3339 as the schema's `format: date-time` says, the offset optional (Québec time without).
ISO_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})?", re.ASCII)


class IsoDateTimeField(ApiDateTimeField):
    """A date-time in the one format the API documents (`2026-12-01T14:30:00-05:00`), within the
    window of core.dates. DRF's own field also took `20261201`, `2026-W49` or `2026-12-01` through
    Python's fromisoformat."""

    def to_internal_value(self, value):
        if not isinstance(value, str) or not ISO_DATE_TIME.fullmatch(value):
            self.fail("invalid", format="YYYY-MM-DDThh:mm:ss[.uuuuuu][+HH:MM|-HH:MM|Z]")
        return super().to_internal_value(value)


# --- Errors in the schema ----------------------------------------------------------------------


def _error_components() -> dict[str, dict]:
    return {
        "Error": {
            "type": "object",
            "description": gettext("`detail` says what went wrong, in the language asked for."),
            "properties": {"detail": {"type": "string"}},
            "required": ["detail"],
        },
        "ValidationError": {
            "type": "object",
            "description": gettext(
                "The messages, field by field (a list of messages per field), or `detail` for the "
                "request as a whole."
            ),
            "additionalProperties": {},
        },
        "Conflict": {
            "type": "object",
            "description": gettext(
                "`detail` in the language asked for; `code`, stable, for your software (slot_taken, "
                "limit_upcoming…)."
            ),
            "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
            "required": ["detail", "code"],
        },
    }


def _error_descriptions() -> dict[str, str]:
    return {
        "400": gettext("Invalid input: a missing or badly formed field, parameter or JSON."),
        "401": gettext("No token, or a revoked, expired or mistyped one."),
        "403": gettext("Your role may not do this (for example, an adviser booking for a company)."),
        "404": gettext("Nothing here, or it belongs to another company or directorate."),
        "413": gettext("The body is larger than 64 kB."),
        "415": gettext("The body is not JSON (send Content-Type: application/json)."),
        "429": gettext("Too many calls: wait the number of seconds in Retry-After."),
        "503": gettext("The service is briefly unavailable: try again in a moment."),
    }


def document_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation documents the errors it can answer
    (the shapes of core.error_pages and DRF's handler), not only its success.

    400 when it takes parameters or a body; 401 always (a bad token is refused even where none is
    needed); 403 when a role is needed; 404 with a path parameter or pages; 413 and 415 with a
    body; 429 and 503 always. An answer the view documents itself (409, a 404 without path
    parameter) is kept, with the error's shape."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, component in _error_components().items():
        schemas.setdefault(name, component)
    descriptions = _error_descriptions()
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            parameters = {p["name"]: p for p in operation.get("parameters", [])}
            has_body = method in ("post", "put", "patch")
            public_operation = {} in operation.get("security", [{}])
            codes = ["401", "429", "503"]
            if parameters or has_body:
                codes.append("400")
            if not public_operation:
                codes.append("403")
            if "page" in parameters or any(p["in"] == "path" for p in parameters.values()):
                codes.append("404")
            if has_body:
                codes += ["413", "415"]
            responses = operation.setdefault("responses", {})
            for code in codes:
                component = "ValidationError" if code == "400" else "Error"
                responses.setdefault(
                    code,
                    {
                        "description": descriptions[code],
                        "content": {
                            "application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}
                        },
                    },
                )
            for code, response in responses.items():
                if code[0] in "45" and "content" not in response:  # a view's own (409, 404…)
                    component = "Conflict" if code == "409" else "Error"
                    response["content"] = {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}
                    }
    return result
