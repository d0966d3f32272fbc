"""Dates at the ends of Python's calendar (years 1 and 9999) and UTC offsets of ±14 h: every page
and API operation that takes a date answers 400 with the reason (JSON under /api/), never a 500
(issue 18). The window is core.dates: 2000-01-01 to 2100-12-31."""

import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from django.urls import reverse

from appointments import services
from appointments.models import Appointment, Mode
from core import dates
from tests.booking_helpers import book, tuesday
from tests.clients import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]

EXTREME_DAYS = ["9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01"]
EXTREME_MOMENTS = [
    "9999-12-31T23:59:59",
    "9999-12-31T23:30:00-05:00",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00",
    "1999-12-31T23:00:00-14:00",
]


def assert_json_400(response):
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    assert "2000" in response.content.decode() and "2100" in response.content.decode()


@pytest.mark.parametrize("day", EXTREME_DAYS)
def test_the_slot_search_refuses_a_start_outside_the_window(world, day):
    _args, query, people = world
    client = signed_in(people["employer_a"], raise_request_exception=False)
    page = client.get(reverse("appointments:slots") + query["search"] + f"&start={day}")
    assert page.status_code == 400
    assert_json_400(client.get(reverse("api:slots") + query["api_search"] + f"&start={day}"))


@pytest.mark.parametrize("moment", EXTREME_MOMENTS)
@pytest.mark.parametrize("name", ["after", "before"])
def test_the_appointment_list_refuses_a_bound_outside_the_window(world, name, moment):
    _args, _query, people = world
    response = signed_in(people["employer_a"], raise_request_exception=False).get(
        reverse("api:appointment-list"), {name: moment}
    )
    assert_json_400(response)
    assert name in response.json()


@pytest.mark.parametrize("moment", EXTREME_MOMENTS)
def test_booking_and_moving_through_the_api_refuse_a_time_outside_the_window(world, bookable, moment):
    args, _query, people = world
    client = signed_in(people["employer_a"], raise_request_exception=False)
    body = {
        "topic": bookable.topic.code,
        "mode": Mode.SERVICE_POINT,
        "municipality": int(bookable.municipality_a.code),
        "advisor": bookable.advisor_a.pk,
        "service_point": bookable.point_a.pk,
        "starts_at": moment,
    }
    booked = client.post(reverse("api:appointment-list"), json.dumps(body), content_type="application/json")
    assert_json_400(booked)
    assert "starts_at" in booked.json()
    url = reverse("api:appointment-reschedule", kwargs=args["appointment"])
    moved = client.post(url, json.dumps({"starts_at": moment}), content_type="application/json")
    assert_json_400(moved)


@pytest.mark.parametrize("at", [datetime(9999, 12, 31, 23, 30, tzinfo=UTC), datetime(1, 1, 1, tzinfo=UTC)])
def test_the_booking_service_refuses_a_time_outside_the_window(bookable, employer_a, at):
    with pytest.raises(services.BookingError) as refused:
        book(bookable, employer_a, at=at)
    assert refused.value.code == services.SLOT_UNAVAILABLE
    appointment = book(bookable, employer_a)
    with pytest.raises(services.BookingError):
        services.reschedule_appointment(
            appointment=appointment,
            choice=services.SlotChoice(bookable.advisor_a.pk, bookable.point_a.pk, at),
            by=employer_a,
        )
    assert Appointment.objects.get().starts_at == tuesday(10, 30)


@pytest.mark.parametrize(
    "at", ["9999-12-31T23:30:00-05:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59+00:00"]
)
def test_the_confirm_page_refuses_a_time_outside_the_window(world, bookable, at):
    _args, query, people = world
    client = signed_in(people["employer_a"], raise_request_exception=False)
    params = {"advisor": bookable.advisor_a.pk, "point": bookable.point_a.pk, "at": at}
    assert client.get(reverse("appointments:confirm") + query["search"], params).status_code == 400
    response = client.post(reverse("appointments:confirm") + query["search"], params)
    assert response.status_code in (400, 409)
    assert not Appointment.objects.filter(starts_at__year__gt=2100).exists()


@pytest.mark.parametrize("week", [*EXTREME_DAYS, "2026-02-30", "nonsense"])
def test_the_adviser_calendar_shows_this_week_with_a_400_for_a_week_outside_the_window(world, week):
    _args, _query, people = world
    response = signed_in(people["advisor"], raise_request_exception=False).get(
        reverse("advisors:calendar"), {"week": week}
    )
    assert response.status_code == 400
    assert response.context["monday"] == date(2026, 11, 23)


@pytest.mark.parametrize("day", EXTREME_DAYS)
def test_the_calendar_feeds_refuse_a_window_outside_the_window(world, day):
    _args, _query, people = world
    client = signed_in(people["advisor"], raise_request_exception=False)
    end = "2101-01-02" if day > "2000" else "2000-01-02"
    assert client.get(reverse("advisors:calendar_events"), {"start": day, "end": end}).status_code == 400
    assert client.get(reverse("api:calendar"), {"start": day, "end": end}).status_code == 400


@pytest.mark.parametrize("day", EXTREME_DAYS)
def test_the_dashboard_and_caseload_refuse_a_period_outside_the_window(world, day):
    args, _query, people = world
    client = signed_in(people["manager"], raise_request_exception=False)
    page = client.get(reverse("midi_regions:dashboard", kwargs=args["directorate"]), {"start": day})
    assert page.status_code in (200, 400)
    assert "2000" in page.content.decode()  # the error names the window
    response = client.get(reverse("api:caseload", kwargs=args["directorate"]), {"start": day})
    assert_json_400(response)


@pytest.mark.parametrize("day", EXTREME_DAYS)
def test_the_advisers_forms_refuse_a_date_outside_the_window(world, day):
    _args, _query, people = world
    client = signed_in(people["advisor"], raise_request_exception=False)
    response = client.post(
        reverse("advisors:exception_add"),
        {"date-date": day, "date-kind": "closed", "date-start_time": "09:00", "date-end_time": "10:00"},
    )
    assert response.status_code == 400
    response = client.post(
        reverse("advisors:time_off_add"),
        {"off-starts_at": f"{day}T09:00", "off-ends_at": f"{day}T10:00"},
    )
    assert response.status_code == 400


def test_the_window_is_two_thousand_to_twenty_one_hundred():
    assert dates.within_window(date(2000, 1, 1)) and dates.within_window(date(2100, 12, 31))
    assert not dates.within_window(date(1999, 12, 31)) and not dates.within_window(date(2101, 1, 1))
    # A date-time is judged by its own date; inside the window any offset converts safely.
    edge = datetime(2100, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-14)))
    assert dates.within_window(edge) and edge.astimezone(UTC).year == 2101
