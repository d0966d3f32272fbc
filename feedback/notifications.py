"""The survey emails: the invitation after the consultation, and the one reminder."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.emails import one_line, render_plain
from core.mailer import Mail
from feedback.links import survey_url
from feedback.models import Survey

EMAILS = "feedback/email/"
INVITATION, REMINDER = "invitation", "reminder"


def survey_language(survey: Survey) -> str:
    recipient = survey.recipient
    return recipient.language if recipient and recipient.language else settings.LANGUAGE_CODE


def survey_email(survey: Survey, kind: str) -> Mail:
    """The email of `kind` for the survey, in the language of whoever booked."""
    language = survey_language(survey)
    appointment = survey.appointment
    with translation.override(language):
        context = {
            "language": language,
            "reminder": kind == REMINDER,
            "user": survey.recipient,
            "appointment": appointment,
            "day": timezone.localtime(appointment.starts_at, ZoneInfo(appointment.time_zone)),
            "survey_url": survey_url(survey, language=language),
        }
        return Mail(
            subject=one_line(render_plain(f"{EMAILS}survey_subject.txt", context)),
            text=render_plain(f"{EMAILS}survey.txt", context),
            html=render_to_string(f"{EMAILS}survey.html", context),
            to=[survey.recipient.email],
            headers={"Message-ID": f"<survey.{survey.pk}.{kind}@{_domain()}>"},
        )


def _domain() -> str:
    address = settings.DEFAULT_FROM_EMAIL.rstrip(">")
    return address.rsplit("@", 1)[-1] if "@" in address else "midi-regions"
