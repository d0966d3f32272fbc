"""The API's authentication and role rule: personal tokens and the pages' roles (accounts.access)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission

from accounts.access import Role, role_of
from accounts.tokens import user_for_token

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
