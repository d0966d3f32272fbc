"""The writes of the employers' feedback: open a survey when an appointment is held, answer it.

Lock order: the survey's row only. Sending is feedback.sending (the beat), never here.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from appointments.models import Appointment
from core.errors import ServiceError
from feedback.models import COMMENT_MAX_LENGTH, Survey

logger = logging.getLogger(__name__)

# An answer can be changed this long after it was first given; then the link shows it read-only.
CHANGE_WINDOW = timedelta(days=7)

ANSWERED_MEANWHILE = "answered_meanwhile"
CLOSED = "closed"
INVALID_ANSWER = "invalid_answer"


class SurveyError(ServiceError):
    """The answer was not stored; `code` says why."""

    messages = {
        ANSWERED_MEANWHILE: gettext_lazy(
            "This survey was answered meanwhile, perhaps in another window or by a colleague. The answer "
            "shown below is the one we kept; you can still change it."
        ),
        CLOSED: gettext_lazy(
            "This answer can no longer be changed: answers can be changed for 7 days after they are given."
        ),
        INVALID_ANSWER: gettext_lazy("Choose a satisfaction from 1 to 5 and an answer to the question."),
    }
    statuses = {INVALID_ANSWER: 400}


def appointment_held(sender, *, appointment: Appointment, **kwargs) -> None:
    """Receiver of appointments.signals.appointment_held."""
    open_survey(appointment=appointment)


def open_survey(*, appointment: Appointment) -> Survey | None:
    """The appointment's survey, made once (an outcome corrected back and forth keeps it), for
    whoever booked; None when nobody active booked it (no one to ask). The beat sends it."""
    recipient = appointment.booked_by if appointment.booked_by_id else None
    if recipient is None or not recipient.is_active:
        return None
    survey, created = Survey.objects.get_or_create(appointment=appointment, defaults={"recipient": recipient})
    if created:
        logger.info("Survey %s opened for appointment %s", survey.pk, appointment.pk)
    return survey


def is_changeable(survey: Survey, *, now: datetime | None = None) -> bool:
    """Not answered yet, or answered less than CHANGE_WINDOW ago."""
    if survey.answered_at is None:
        return True
    return (now or timezone.now()) < survey.answered_at + CHANGE_WINDOW


def changeable_until(survey: Survey) -> datetime | None:
    return survey.answered_at + CHANGE_WINDOW if survey.answered_at else None


def answer_survey(
    *,
    survey: Survey,
    satisfaction: int,
    outcome: str,
    comment: str,
    revision: int,
    now: datetime | None = None,
) -> Survey:
    """Store the answer given to the form that showed `revision`. Two answers sent at once (two
    windows, two colleagues): the row lock orders them; the first stores its answer, the second
    finds another revision and is refused (ANSWERED_MEANWHILE) rather than silently replacing it."""
    now = now or timezone.now()
    if satisfaction not in range(1, 6) or outcome not in Survey.Outcome.values:
        raise SurveyError(INVALID_ANSWER)
    with transaction.atomic():
        current = Survey.objects.select_for_update().get(pk=survey.pk)
        if not is_changeable(current, now=now):
            raise SurveyError(CLOSED)
        if current.revision != revision:
            raise SurveyError(ANSWERED_MEANWHILE)
        current.satisfaction = satisfaction
        current.outcome = outcome
        current.comment = comment.strip()[:COMMENT_MAX_LENGTH]
        current.revision += 1
        current.answered_at = current.answered_at or now
        current.changed_at = now
        current.save(
            update_fields=["satisfaction", "outcome", "comment", "revision", "answered_at", "changed_at"]
        )
    return current
