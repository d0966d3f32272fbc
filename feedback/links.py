"""Signed links that let the employer answer a survey without signing in.

The token carries the survey's UID, signed with SECRET_KEY and a salt of its own (a manage link
of the appointment is no survey link, and the reverse). Each email signs it anew, so the
reminder's link lives as long as the invitation's did.
"""

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation

from core.signed_tokens import signed_fields
from feedback.models import Survey

SALT = "feedback.survey-link"
# Long enough to answer after holidays and to change an answer for a week; short enough that an
# old email found later does not open a survey about a meeting nobody remembers.
MAX_AGE_SECONDS = 60 * 24 * 3600
FIELDS = {"uid": uuid.UUID}

INVALID, EXPIRED = "invalid", "expired"


def survey_token(survey: Survey) -> str:
    return signing.dumps({"uid": str(survey.uid)}, salt=SALT, compress=True)


def survey_url(survey: Survey, *, language: str | None = None) -> str:
    with translation.override(language or translation.get_language()):
        path = reverse("appointments:survey", args=[survey_token(survey)])
    return f"{settings.SITE_URL}{path}"


@dataclass(frozen=True)
class LinkResult:
    survey: Survey | None
    problem: str = ""  # INVALID (forged, cut, unknown) or EXPIRED


def survey_for_token(token: str) -> LinkResult:
    """The survey a token names, or why not: INVALID (forged, malformed, unknown) or EXPIRED."""
    data = signed_fields(token, salt=SALT, max_age=None, fields=FIELDS)
    if data is None:
        return LinkResult(None, INVALID)
    if signed_fields(token, salt=SALT, max_age=MAX_AGE_SECONDS, fields=FIELDS) is None:
        return LinkResult(None, EXPIRED)
    survey = (
        Survey.objects.select_related(
            "appointment__advisor__user", "appointment__topic", "appointment__company"
        )
        .filter(uid=data["uid"])
        .first()
    )
    return LinkResult(survey, "" if survey else INVALID)
