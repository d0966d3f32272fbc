"""Two-factor authentication is required of advisers, managers and administrators.

django-allauth's MFA asks for the TOTP code at sign-in once a user has an authenticator; this
middleware makes having one mandatory for staff. A staff session counts as verified when allauth
recorded an "mfa" authentication in it (the code was given at sign-in) or when the user has just
activated TOTP (signal below); the result is kept in the session, so the check costs no query on
later requests. Otherwise every page but sign-in, sign-out and the MFA pages sends them to:
- the TOTP activation page, if they have no authenticator yet;
- the login page again, signed out, if they have one but this session never gave a code (a
  session opened some other way must not skip the second factor).

`settings.REQUIRE_STAFF_MFA` turns it off for the local demo (DEBUG) only; production keeps it.
"""

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect

from accounts.access import Role, role_of

SESSION_KEY = "staff_mfa_verified"
STAFF = (Role.ADVISOR, Role.MANAGER, Role.ADMINISTRATOR)
ALWAYS_ALLOWED = {"set_language", "livez", "healthz", "readyz", "metrics", "advisor_feed", "account_logout"}


def _exempt(request) -> bool:
    match = request.resolver_match
    name = match.url_name if match else None
    return name in ALWAYS_ALLOWED or (name or "").startswith("mfa_") or (name or "").startswith("account_")


def _gave_a_code(request) -> bool:
    from allauth.account.internal.flows.login import get_authentication_records

    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))


class StaffMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Without a session cookie nobody is signed in: no need to load the session and the user
        # (~80 µs of every probe and first visit, bench/middleware.py).
        if not settings.REQUIRE_STAFF_MFA or settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        if not request.user.is_authenticated:
            return None
        if request.session.get(SESSION_KEY) or role_of(request.user) not in STAFF:
            return None
        if _gave_a_code(request):
            request.session[SESSION_KEY] = True
            return None
        if _exempt(request):
            return None
        from allauth.mfa.models import Authenticator

        if Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists():
            logout(request)
            return redirect("account_login")
        return redirect("mfa_activate_totp")


def mark_verified(sender, request=None, user=None, **kwargs):
    """Activating TOTP proves the second factor for this session."""
    if request is not None and getattr(request, "session", None) is not None:
        request.session[SESSION_KEY] = True
