"""Shared set-up for booking tests: a bookable small network and a frozen clock."""

import uuid
from datetime import datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

from advisors.models import WeeklyAvailability
from appointments.models import Appointment, Mode, Reminder
from appointments.templatetags.booking import utc_param
from consultations.models import ConsultationRequest
from tests import factories

TZ = ZoneInfo("America/Toronto")
# Monday 23 November 2026, 10:00 in Québec: the next bookable day is Tuesday 24.
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)


def open_weekdays(advisor, point=None):
    """Monday–Friday 8:30–12:00 and 13:00–16:30 at the adviser's home point."""
    point = point or advisor.home_service_point
    for weekday in range(5):
        for start, end in ((time(8, 30), time(12, 0)), (time(13, 0), time(16, 30))):
            WeeklyAvailability.objects.create(
                advisor=advisor, weekday=weekday, start_time=start, end_time=end, service_point=point
            )


def local(day, hour, minute=0):
    """`day` at hour:minute in Québec."""
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def local_datetime(*args) -> datetime:
    """datetime(year, month, day, hour…) in Québec."""
    return datetime(*args, tzinfo=TZ)


def tuesday(hour, minute=0):
    return local(NOW.date() + timedelta(days=1), hour, minute)


def book(network, employer, at=None, *, advisor=None, company=None, **extra):
    """Book through the booking service, as the booking page does: the network's topic, at the
    adviser's home service point (advisor_a's unless `advisor`), from municipality_a, on Tuesday
    at 10:30 unless `at`. `employer` books for their company (or for `company`); `extra` goes to
    the service (message, idempotency_key)."""
    from appointments import services
    from appointments.models import Mode

    advisor = advisor or network.advisor_a
    return services.book_appointment(
        company=company or employer.employer_profile.company,
        booked_by=employer,
        topic=network.topic,
        mode=Mode.SERVICE_POINT,
        location=network.municipality_a,
        choice=services.SlotChoice(advisor.pk, advisor.home_service_point_id, at or tuesday(10, 30)),
        **extra,
    )


def due_reminders(network, employer, count, *, first=None, every=timedelta(hours=1)) -> list[Reminder]:
    """`count` phone appointments of `employer` (a user) and their company with adviser A, one
    every `every` from `first` (this time tomorrow unless given), each `every` long, each with its
    24 h reminder due since a minute ago. Written in bulk: no emails, no other reminders."""
    now = timezone.now()
    first = first or now + timedelta(days=1)
    appointments = Appointment.objects.bulk_create(
        Appointment(
            advisor=network.advisor_a,
            topic=network.topic,
            mode=Mode.PHONE,
            company=employer.employer_profile.company,
            booked_by=employer,
            municipality=network.municipality_a,
            starts_at=first + every * i,
            ends_at=first + every * (i + 1),
        )
        for i in range(count)
    )
    return Reminder.objects.bulk_create(
        Reminder(appointment=a, kind=24 * 60, scheduled_at=now - timedelta(minutes=1)) for a in appointments
    )


def confirm_url(network, advisor, at, point=None, **overrides):
    params = search_params(network, **overrides)
    params.update(advisor=advisor.pk, point=(point or advisor.home_service_point).pk, at=utc_param(at))
    return reverse("appointments:confirm"), params


def book_via_web(client, network, at, advisor=None, key=None, **overrides):
    advisor = advisor or network.advisor_a
    url, params = confirm_url(network, advisor, at, **overrides)
    data = {
        "advisor": params["advisor"],
        "point": params["point"],
        "at": params["at"],
        "key": key or uuid.uuid4(),
    }
    return client.post(f"{url}?{urlencode(params)}", data)


def staff(advisor, point=None):
    """A weekly block at the point: the adviser works there (meetings, visits from there)."""
    for weekday in range(5):
        WeeklyAvailability.objects.create(
            advisor=advisor,
            weekday=weekday,
            start_time=time(9),
            end_time=time(16),
            service_point=point or advisor.home_service_point,
        )


def search_params(network, **overrides):
    params = {"topic": network.topic.code, "mode": Mode.SERVICE_POINT, "municipality": "Trois-Rivières"}
    params.update(overrides)
    return params


def make_request(network, *, municipality=None, mode=Mode.PHONE, language="fr", topic=None, **extra):
    municipality = municipality or network.municipality_a
    company = factories.CompanyFactory(municipality=municipality)
    return ConsultationRequest.objects.create(
        company=company,
        topic=topic or network.topic,
        mode=mode,
        municipality=municipality,
        language=language,
        **extra,
    )
