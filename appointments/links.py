"""Signed links that let an employer manage an appointment without logging in.

The token carries the appointment's UID, signed with SECRET_KEY and a purpose-specific salt.
It is valid until the appointment starts; the view checks that against the current start, so
a rescheduled appointment keeps working links.
"""

import uuid

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation

from appointments.models import Appointment
from core.signed_tokens import signed_fields

SALT = "appointments.manage-link"
# A hard ceiling beyond the booking horizon, so leaked links die even if never used.
MAX_AGE_SECONDS = 400 * 24 * 3600


def manage_token(appointment: Appointment) -> str:
    return signing.dumps({"uid": str(appointment.uid)}, salt=SALT, compress=True)


def manage_url(appointment: Appointment, *, language: str | None = None) -> str:
    with translation.override(language or translation.get_language()):
        path = reverse("appointments:manage", args=[manage_token(appointment)])
    return f"{settings.SITE_URL}{path}"


def appointment_for_token(token: str) -> Appointment | None:
    """The appointment a token names, or None if the token is forged, expired, malformed or
    unknown."""
    data = signed_fields(token, salt=SALT, max_age=MAX_AGE_SECONDS, fields={"uid": uuid.UUID})
    if data is None:
        return None
    return (
        Appointment.objects.select_related(
            "advisor__user",
            "advisor__home_service_point",
            "topic",
            "service_point__municipality",
            "municipality",
            "company",
            "booked_by__employer_profile",
        )
        .filter(uid=data["uid"])
        .first()
    )
