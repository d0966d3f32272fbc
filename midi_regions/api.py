"""What every API endpoint shares: token authentication, role permissions, throttles, the JSON
parser with a size limit, pagination and the 409 error. The endpoints live in each app's
`api.py` and call the same services and selectors as the pages; the routes are in
`midi_regions/api_urls.py`."""

import json

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from accounts.access import Role, role_of
from accounts.tokens import user_for_token

from . import proxy, ratelimit

# --- Authentication ----------------------------------------------------------------------------


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer midi_…` with a personal token (accounts.tokens)."""

    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token after “Bearer” and a single space."))
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raw = ""
        user = user_for_token(raw) if raw else None
        if user is None:
            raise exceptions.AuthenticationFailed(_("This token is unknown, expired or revoked."))
        return user, None

    def authenticate_header(self, request) -> str:
        # Makes unauthenticated calls a 401 with WWW-Authenticate rather than a 403.
        return 'Bearer realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "personalToken"

    def get_security_definition(self, auto_schema):
        definition = build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Bearer")
        definition["description"] = "A personal API token, created on the “API tokens” page of your space."
        return definition


# --- Permissions -------------------------------------------------------------------------------


class RolePermission(BasePermission):
    """The role rule of the pages (accounts.access.role_of)."""

    roles: tuple[Role, ...] = ()
    message = _("Your role does not give access to this resource.")

    def has_permission(self, request, view) -> bool:
        return role_of(request.user) in self.roles


def allow(*roles: Role) -> type[RolePermission]:
    return type(
        f"Allow{''.join(r.title().replace('_', '') for r in roles)}", (RolePermission,), {"roles": roles}
    )


# --- Throttles ---------------------------------------------------------------------------------


class ClientAddressMixin:
    """The visitor's address by the pages' rule (midi_regions.proxy), not DRF's own reading of
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
        except (
            LookupError
        ):  # not a text encoding (rot13, base64…): midi_regions.middleware refuses them first
            raise exceptions.UnsupportedMediaType(media_type) from None
        except UnicodeDecodeError as error:
            raise exceptions.ParseError(_("The body is not valid JSON.")) from error
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as error:
            raise exceptions.ParseError(_("The body is not valid JSON.")) from error
        if "\\u0000" in text:
            # PostgreSQL text cannot hold NUL: no field accepts one (midi_regions.middleware).
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
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
