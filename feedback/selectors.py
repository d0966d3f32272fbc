"""Reads of the employers' feedback: one appointment's survey (its adviser's page) and the
satisfaction figures of a set of appointments (the managers' dashboards)."""

from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet, Sum

from appointments.models import Appointment
from feedback.models import Survey

# A breakdown with fewer answers is not shown, so that no answer can be traced to one employer.
MIN_ANSWERS = 5

# The dimensions a manager breaks the figures down by: name → the appointment's field.
DIMENSIONS = {
    "topic": "appointment__topic",
    "mode": "appointment__mode",
    "service_point": "appointment__service_point",
    "advisor": "appointment__advisor",
}


def survey_of(appointment: Appointment) -> Survey | None:
    """The appointment's survey, if one was opened: 1 query."""
    return Survey.objects.filter(appointment=appointment).first()


@dataclass
class Satisfaction:
    """The answers of one group of appointments. `key`: the group's id (a topic's, a mode…), None
    for the total. When `hidden` (fewer than MIN_ANSWERS answers) only the key may be shown."""

    key: object = None
    sent: int = 0  # surveys sent (the invitation went out)
    answers: int = 0
    score: int = 0  # the satisfactions added up (1–5 each)
    yes: int = 0  # got what they came for
    partly: int = 0

    @property
    def hidden(self) -> bool:
        return self.answers < MIN_ANSWERS

    @property
    def mean(self) -> float | None:
        return self.score / self.answers if self.answers else None

    @property
    def response_rate(self) -> float | None:
        return self.answers / self.sent if self.sent else None

    @property
    def yes_share(self) -> float | None:
        return self.yes / self.answers if self.answers else None

    @property
    def partly_share(self) -> float | None:
        return self.partly / self.answers if self.answers else None

    def add(self, row: dict) -> None:
        for name in ("sent", "answers", "score", "yes", "partly"):
            setattr(self, name, getattr(self, name) + (row[name] or 0))


def satisfaction(appointments: QuerySet[Appointment]) -> dict:
    """The figures of the surveys of `appointments`: "total" (a Satisfaction) and, per DIMENSIONS
    entry, a list of Satisfaction by key, most answers first. 1 query whatever the volume: grouped
    by every dimension at once, then added up here (a few rows a combination actually met)."""
    answered = Q(answered_at__isnull=False)
    rows = (
        Survey.objects.filter(appointment__in=appointments.values("pk"), invited_at__isnull=False)
        .values(**{name: F(field) for name, field in DIMENSIONS.items()})
        .annotate(
            sent=Count("pk"),
            answers=Count("pk", filter=answered),
            score=Sum("satisfaction", filter=answered),
            yes=Count("pk", filter=answered & Q(outcome=Survey.Outcome.YES)),
            partly=Count("pk", filter=answered & Q(outcome=Survey.Outcome.PARTLY)),
        )
        .order_by()
    )
    total = Satisfaction()
    groups: dict[str, dict] = {name: {} for name in DIMENSIONS}
    for row in rows:
        total.add(row)
        for name in DIMENSIONS:
            key = row[name]
            groups[name].setdefault(key, Satisfaction(key=key)).add(row)
    result: dict = {"total": total}
    for name, by_key in groups.items():
        result[name] = sorted(by_key.values(), key=lambda s: (-s.answers, str(s.key)))
    return result
