"""Signed links: a registration's contact manages it (change participants, cancel, answer an
offer of seats) without signing in. The token carries the registration's UID, signed with
SECRET_KEY and a salt of its own; it dies with the session (checked by the view) or after 400 days.
"""

import uuid

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation

from core.signed_tokens import signed_fields
from group_sessions.models import Registration

SALT = "group_sessions.manage-link"
MAX_AGE_SECONDS = 400 * 24 * 3600


def manage_token(registration: Registration) -> str:
    return signing.dumps({"uid": str(registration.uid)}, salt=SALT, compress=True)


def manage_url(registration: Registration, *, language: str | None = None) -> str:
    with translation.override(language or translation.get_language()):
        path = reverse("group_sessions:manage", args=[manage_token(registration)])
    return f"{settings.SITE_URL}{path}"


def registration_for_token(token: str) -> Registration | None:
    """The registration a token names, or None (forged, expired, malformed, unknown)."""
    data = signed_fields(token, salt=SALT, max_age=MAX_AGE_SECONDS, fields={"uid": uuid.UUID})
    if data is None:
        return None
    return (
        Registration.objects.select_related(
            "company",
            "session__topic",
            "session__language",
            "session__advisor__user",
            "session__service_point__municipality",
        )
        .filter(uid=data["uid"])
        .first()
    )
