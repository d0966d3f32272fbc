"""The adviser's calendar: the JSON feed FullCalendar reads and the page around it.

Only the signed-in adviser's own calendar is ever served; the feed costs the same few queries
whatever the number of appointments; times keep their wall-clock hour across DST changes.
"""

import json
import re
from datetime import UTC, date, time, timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from advisors.models import AvailabilityException, TimeOff, WeeklyAvailability
from agenda.calendar import calendar_events
from appointments.models import Appointment, Mode
from tests.booking_helpers import local
from tests.factories import ServicePointFactory

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 23)  # an ordinary week


def week_params(monday: date = MONDAY, days: int = 7) -> dict:
    """What FullCalendar sends for a week view: local midnights with their offset."""
    return {
        "start": local(monday, 0).isoformat(),
        "end": local(monday + timedelta(days=days), 0).isoformat(),
    }


def make_appointment(network, employer, advisor=None, *, at, minutes=60, ends=None, **fields):
    advisor = advisor or network.advisor_a
    defaults = {
        "topic": network.topic,
        "mode": Mode.SERVICE_POINT,
        "service_point": advisor.home_service_point,
        "company": employer.employer_profile.company,
        "municipality": employer.employer_profile.company.municipality,
        "booked_by": employer,
        "message": "Secret message for the adviser",
    }
    defaults.update(fields)
    ends = ends or at + timedelta(minutes=minutes)
    return Appointment.objects.create(
        advisor=advisor, starts_at=at.astimezone(UTC), ends_at=ends.astimezone(UTC), **defaults
    )


def feed(client, **params):
    return client.get(reverse("advisors:calendar_events"), params)


def appointments_in(events):
    return [e for e in events if e.get("extendedProps", {}).get("kind") == "appointment"]


def of_kind(events, kind):
    return [e for e in events if e.get("extendedProps", {}).get("kind") == kind]


@pytest.fixture
def employer_with_contacts(employer_a):
    profile = employer_a.employer_profile
    profile.phone = "819 555-0142"
    profile.save()
    employer_a.first_name, employer_a.last_name = "Gertrude", "Bellefeuille"
    employer_a.save()
    return employer_a


# Who may see what ---------------------------------------------------------------------------


def test_the_adviser_sees_their_own_appointments(client_for, advisor, employer_a, network):
    appointment = make_appointment(network, employer_a, at=local(MONDAY, 10))
    response = feed(client_for(advisor), **week_params())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    [event] = appointments_in(response.json())
    assert event["id"] == f"appointment-{appointment.uid}"
    company = employer_a.employer_profile.company.legal_name
    assert event["title"] == f"{company} – {network.topic.name_fr}"
    assert event["start"] == "2026-11-23T10:00:00-05:00"
    assert event["end"] == "2026-11-23T11:00:00-05:00"
    assert event["url"] == reverse("advisors:appointment", args=[appointment.uid])


def test_another_adviser_never_sees_the_advisers_events(
    client_for, other_advisor, employer_with_contacts, network
):
    make_appointment(network, employer_with_contacts, at=local(MONDAY, 10))
    TimeOff.objects.create(
        advisor=network.advisor_a,
        starts_at=local(MONDAY + timedelta(days=1), 8),
        ends_at=local(MONDAY + timedelta(days=1), 17),
        reason="Rendez-vous médical privé",
    )
    WeeklyAvailability.objects.create(
        advisor=network.advisor_a,
        weekday=0,
        start_time=time(8, 30),
        end_time=time(12),
        service_point=network.point_a,
    )
    mine = make_appointment(
        network,
        employer_with_contacts,
        network.advisor_b,
        at=local(MONDAY, 14),
        service_point=network.point_b,
    )
    response = feed(client_for(other_advisor), **week_params())
    assert response.status_code == 200
    events = response.json()
    assert [e["id"] for e in appointments_in(events)] == [f"appointment-{mine.uid}"]
    body = response.content.decode()
    assert "Rendez-vous médical privé" not in body
    assert network.point_a.host_office not in body
    assert of_kind(events, "availability") == [] and of_kind(events, "time_off") == []


def test_the_feed_leaks_no_employer_contact_nor_person(client_for, advisor, employer_with_contacts, network):
    make_appointment(network, employer_with_contacts, at=local(MONDAY, 10))
    body = feed(client_for(advisor), **week_params()).content.decode()
    for secret in (
        employer_with_contacts.email,
        "819 555-0142",
        "Gertrude",
        "Bellefeuille",
        "Secret message",
        employer_with_contacts.employer_profile.company.neq,
    ):
        assert secret not in body


@pytest.mark.parametrize("url_name", ["advisors:calendar", "advisors:calendar_events"])
@pytest.mark.parametrize("persona", ["employer_a", "manager", "administrator", "new_user"])
def test_only_advisers_get_a_calendar(client_for, request, network, persona, url_name):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(reverse(url_name), week_params())
    assert response.status_code == 403
    assert b"appointment-" not in response.content


@pytest.mark.parametrize("url_name", ["advisors:calendar", "advisors:calendar_events"])
def test_anonymous_visitors_are_sent_to_log_in(client, network, url_name):
    response = client.get(reverse(url_name), week_params())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_feed_takes_no_adviser_parameter(client_for, other_advisor, employer_a, network):
    """Naming another adviser in the query string changes nothing: the feed is the user's own."""
    make_appointment(network, employer_a, at=local(MONDAY, 10))
    params = week_params() | {"advisor": network.advisor_a.pk, "advisor_id": network.advisor_a.pk}
    assert appointments_in(feed(client_for(other_advisor), **params).json()) == []


def test_the_feed_refuses_post(client_for, advisor, network):
    response = client_for(advisor).post(reverse("advisors:calendar_events") + "?" + "start=2026-11-23")
    assert response.status_code == 405


# Queries ------------------------------------------------------------------------------------


def _fill_week(network, employer, count):
    """`count` appointments over the week, every status and mode, one per hour."""
    statuses = list(Appointment.Status)
    modes = list(Mode)
    for n in range(count):
        day = MONDAY + timedelta(days=n // 8)
        make_appointment(
            network,
            employer,
            at=local(day, 8 + n % 8),
            status=statuses[n % len(statuses)],
            mode=modes[n % len(modes)],
        )


def _furnish_calendar(network):
    advisor = network.advisor_a
    for weekday in range(5):
        WeeklyAvailability.objects.create(
            advisor=advisor,
            weekday=weekday,
            start_time=time(8, 30),
            end_time=time(12),
            service_point=network.point_a,
        )
        WeeklyAvailability.objects.create(
            advisor=advisor, weekday=weekday, start_time=time(13), end_time=time(16)
        )
    AvailabilityException.objects.create(
        advisor=advisor,
        date=MONDAY + timedelta(days=5),
        kind=AvailabilityException.Kind.OPEN,
        start_time=time(9),
        end_time=time(12),
        service_point=network.point_a,
    )
    AvailabilityException.objects.create(
        advisor=advisor,
        date=MONDAY,
        kind=AvailabilityException.Kind.CLOSED,
        start_time=time(8),
        end_time=time(10),
    )
    TimeOff.objects.create(
        advisor=advisor,
        starts_at=local(MONDAY + timedelta(days=4), 13),
        ends_at=local(MONDAY + timedelta(days=4), 17),
    )


@pytest.mark.parametrize("count", [1, 30])
def test_the_week_costs_at_most_5_queries_whatever_the_appointments(
    network, employer_a, count, django_assert_max_num_queries
):
    _furnish_calendar(network)
    _fill_week(network, employer_a, count)
    with django_assert_max_num_queries(5):
        events = calendar_events(network.advisor_a, local(MONDAY, 0), local(MONDAY + timedelta(days=7), 0))
    assert len(appointments_in(events)) == count


@pytest.mark.parametrize("count", [1, 30])
def test_the_feed_request_costs_at_most_5_queries(
    client_for, advisor, network, employer_a, count, django_assert_max_num_queries
):
    _furnish_calendar(network)
    _fill_week(network, employer_a, count)
    client = client_for(advisor)
    # The first request of the session: the signed-in user is loaded too (then cached).
    with django_assert_max_num_queries(5):
        response = feed(client, **week_params())
    assert len(appointments_in(response.json())) == count


def test_every_status_and_mode_has_its_class(network, employer_a):
    _fill_week(network, employer_a, 8)
    events = appointments_in(
        calendar_events(network.advisor_a, local(MONDAY, 0), local(MONDAY + timedelta(days=7), 0))
    )
    classes = {c for e in events for c in e["classNames"]}
    assert {f"cal-status--{s}" for s in Appointment.Status.values} <= classes
    assert {f"cal-mode--{m}" for m in Mode.values} <= classes
    cancelled = [e for e in events if e["extendedProps"]["status"] == "cancelled"]
    assert cancelled, "cancelled appointments are shown too"


# Availability, exceptions, time off ---------------------------------------------------------


def test_weekly_hours_are_background_blocks_per_service_point(network):
    advisor = network.advisor_a
    second = ServicePointFactory(
        municipality=network.municipality_a, host_office="Centre local d'emploi de Cap"
    )
    advisor.service_points.add(second)
    WeeklyAvailability.objects.create(
        advisor=advisor, weekday=0, start_time=time(8, 30), end_time=time(12), service_point=network.point_a
    )
    WeeklyAvailability.objects.create(
        advisor=advisor, weekday=1, start_time=time(9), end_time=time(12), service_point=second
    )
    WeeklyAvailability.objects.create(advisor=advisor, weekday=2, start_time=time(13), end_time=time(16))
    events = of_kind(
        calendar_events(advisor, local(MONDAY, 0), local(MONDAY + timedelta(days=14), 0)), "availability"
    )
    assert all(e["display"] == "background" for e in events)
    assert len(events) == 6  # three blocks, two weeks
    monday, tuesday, wednesday = events[:3]
    assert (monday["title"], monday["start"], monday["end"]) == (
        network.point_a.host_office,
        "2026-11-23T08:30:00-05:00",
        "2026-11-23T12:00:00-05:00",
    )
    assert monday["extendedProps"]["servicePoint"] == network.point_a.code
    assert tuesday["title"] == "Centre local d'emploi de Cap"
    assert tuesday["start"] == "2026-11-24T09:00:00-05:00"
    point_classes = {c for e in (monday, tuesday) for c in e["classNames"] if c.startswith("cal-point-")}
    assert len(point_classes) == 2, "each service point gets its own colour"
    with translation.override("en"):
        remote = of_kind(
            calendar_events(advisor, local(MONDAY, 0), local(MONDAY + timedelta(days=7), 0)), "availability"
        )[2]
    assert remote["title"] == "Remote" and "cal-remote" in remote["classNames"]
    assert remote["extendedProps"]["servicePoint"] is None


def test_date_exceptions_open_and_close_hours(network):
    advisor = network.advisor_a
    WeeklyAvailability.objects.create(
        advisor=advisor, weekday=0, start_time=time(8, 30), end_time=time(12), service_point=network.point_a
    )
    AvailabilityException.objects.create(
        advisor=advisor,
        date=MONDAY,
        kind=AvailabilityException.Kind.CLOSED,
        start_time=time(8),
        end_time=time(10),
    )
    saturday = MONDAY + timedelta(days=5)
    AvailabilityException.objects.create(
        advisor=advisor,
        date=saturday,
        kind=AvailabilityException.Kind.OPEN,
        start_time=time(9),
        end_time=time(11),
        service_point=network.point_a,
    )
    events = calendar_events(advisor, local(MONDAY, 0), local(MONDAY + timedelta(days=7), 0))
    blocks = of_kind(events, "availability")
    assert [(b["start"], b["end"], b["extendedProps"]["extra"]) for b in blocks] == [
        ("2026-11-23T10:00:00-05:00", "2026-11-23T12:00:00-05:00", False),  # 8:30–10:00 closed
        ("2026-11-28T09:00:00-05:00", "2026-11-28T11:00:00-05:00", True),
    ]
    assert "cal-availability--extra" in blocks[1]["classNames"]
    [closed] = of_kind(events, "closed")
    assert (closed["start"], closed["end"], closed["display"]) == (
        "2026-11-23T08:00:00-05:00",
        "2026-11-23T10:00:00-05:00",
        "background",
    )


def test_time_off_is_a_background_event(network):
    TimeOff.objects.create(
        advisor=network.advisor_a,
        starts_at=local(MONDAY + timedelta(days=2), 12),
        ends_at=local(MONDAY + timedelta(days=9), 12),  # runs past the window: still shown
        reason="Vacances",
    )
    TimeOff.objects.create(  # before the window
        advisor=network.advisor_a, starts_at=local(MONDAY - timedelta(days=3), 8), ends_at=local(MONDAY, 0)
    )
    [event] = of_kind(
        calendar_events(network.advisor_a, local(MONDAY, 0), local(MONDAY + timedelta(days=7), 0)), "time_off"
    )
    assert (event["title"], event["display"], event["start"], event["end"]) == (
        "Vacances",
        "background",
        "2026-11-25T12:00:00-05:00",
        "2026-12-02T12:00:00-05:00",
    )


# Daylight saving time -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change_day", "before", "after"),
    [
        (date(2026, 3, 8), "-05:00", "-04:00"),  # spring forward, Sunday 2:00 → 3:00
        (date(2026, 11, 1), "-04:00", "-05:00"),  # fall back, Sunday 2:00 → 1:00
    ],
)
def test_a_dst_week_keeps_wall_clock_hours(
    client_for, advisor, employer_a, network, change_day, before, after
):
    advisor_record = network.advisor_a
    for weekday in range(7):
        WeeklyAvailability.objects.create(
            advisor=advisor_record,
            weekday=weekday,
            start_time=time(9),
            end_time=time(12),
            service_point=network.point_a,
        )
    saturday, monday = change_day - timedelta(days=1), change_day + timedelta(days=1)
    make_appointment(network, employer_a, at=local(saturday, 10))
    make_appointment(network, employer_a, at=local(monday, 10))
    # An appointment over the night of the change: 1:00 → 4:00 local is 2 h (spring) or 4 h (fall) long.
    make_appointment(network, employer_a, at=local(change_day, 1), ends=local(change_day, 4), mode=Mode.PHONE)
    # FullCalendar's week (Monday first) around the change, with its own offsets.
    week_monday = change_day - timedelta(days=6)
    response = feed(client_for(advisor), **week_params(week_monday, days=14))
    assert response.status_code == 200
    events = response.json()
    starts = {e["start"] for e in of_kind(events, "availability")}
    assert f"{saturday}T09:00:00{before}" in starts
    assert f"{change_day}T09:00:00{after}" in starts
    assert f"{monday}T09:00:00{after}" in starts
    assert len(of_kind(events, "availability")) == 14, "one block a day, none lost or doubled"
    by_start = {e["start"]: e for e in appointments_in(events)}
    assert f"{saturday}T10:00:00{before}" in by_start
    assert f"{monday}T10:00:00{after}" in by_start
    night_event = by_start[f"{change_day}T01:00:00{before}"]
    assert night_event["end"] == f"{change_day}T04:00:00{after}"


def test_a_range_sent_across_the_change_is_not_an_hour_too_long(client_for, advisor, network):
    """62 calendar days from before to after the fall-back change are 62 days and 1 hour."""
    start = local(date(2026, 10, 1), 0)
    end = local(date(2026, 12, 2), 0)
    assert end.astimezone(UTC) - start.astimezone(UTC) > timedelta(days=62)
    response = feed(client_for(advisor), start=start.isoformat(), end=end.isoformat())
    assert response.status_code == 200


# Holidays -----------------------------------------------------------------------------------


def test_quebec_holidays_are_all_day_background_events(client_for, advisor, network):
    for weekday in range(5):
        WeeklyAvailability.objects.create(
            advisor=network.advisor_a,
            weekday=weekday,
            start_time=time(9),
            end_time=time(12),
            service_point=network.point_a,
        )
    week = date(2026, 6, 22)
    events = feed(client_for(advisor), **week_params(week)).json()
    [holiday] = of_kind(events, "holiday")
    assert holiday == {
        "title": "Fête nationale du Québec",
        "start": "2026-06-24",
        "end": "2026-06-25",
        "allDay": True,
        "display": "background",
        "classNames": ["cal-holiday"],
        "extendedProps": {"kind": "holiday"},
    }
    # No bookable hours on a public holiday: the slot engine offers none either.
    days = sorted(e["start"][:10] for e in of_kind(events, "availability"))
    assert days == ["2026-06-22", "2026-06-23", "2026-06-25", "2026-06-26"]
    with translation.override("en"):
        [english] = of_kind(
            calendar_events(network.advisor_a, local(week, 0), local(week + timedelta(days=7), 0)), "holiday"
        )
    assert english["title"] == "Saint Jean Baptiste Day"


# Bad parameters -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"start": "2026-11-23T00:00:00-05:00"},
        {"end": "2026-11-30T00:00:00-05:00"},
        {"start": "", "end": ""},
        {"start": "yesterday", "end": "2026-11-30"},
        {"start": "2026-11-23", "end": "2026-13-01"},
        {"start": "2026-11-30", "end": "2026-11-23"},  # end before start
        {"start": "2026-11-23", "end": "2026-11-23"},  # empty range
        {"start": "2026-11-01", "end": "2027-01-03"},  # 63 days
        {"start": "2026-01-01", "end": "2027-01-01"},
        {"start": "0001-01-01", "end": "0001-01-02"},  # out of range: no overflow, no 500
        {"start": "9999-12-30", "end": "9999-12-31T23:59:59+00:00"},
        {"start": "2026-11-23T25:00:00", "end": "2026-11-30"},
    ],
)
def test_bad_or_missing_ranges_are_400_with_a_reason(client_for, advisor, network, params):
    response = feed(client_for(advisor), **params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-11-23", "2027-01-24"),  # exactly 62 days
        ("2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z"),
        ("2026-11-23T00:00:00", "2026-11-30T00:00:00"),  # no offset: America/Toronto
        ("2026-11-23T00:00:00 05:00", "2026-11-30T00:00:00 05:00"),  # an unencoded "+"
    ],
)
def test_fullcalendar_date_forms_are_accepted(client_for, advisor, network, start, end):
    assert feed(client_for(advisor), start=start, end=end).status_code == 200


def test_a_naive_range_is_read_in_quebec_time(client_for, advisor, employer_a, network):
    make_appointment(network, employer_a, at=local(MONDAY, 0, 30))  # 05:30 UTC
    events = feed(client_for(advisor), start="2026-11-23T00:00:00", end="2026-11-24T00:00:00").json()
    assert len(appointments_in(events)) == 1


# The page -----------------------------------------------------------------------------------


def test_the_page_carries_the_feed_and_the_weeks_appointments(client_for, advisor, employer_a, network):
    appointment = make_appointment(network, employer_a, at=local(MONDAY + timedelta(days=1), 13, 30))
    make_appointment(network, employer_a, at=local(MONDAY + timedelta(days=8), 9))  # next week
    response = client_for(advisor).get(reverse("advisors:calendar"), {"week": "2026-11-25"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-events-url="{reverse("advisors:calendar_events")}"' in html
    assert 'data-locale="fr-ca"' in html
    assert 'data-initial-view="timeGridWeek"' in html
    assert 'data-initial-date="2026-11-23"' in html
    assert [a.pk for a in response.context["appointments"]] == [appointment.pk]
    assert reverse("advisors:appointment", args=[appointment.uid]) in html
    assert "13 h 30" in html
    assert "?week=2026-11-16" in html and "?week=2026-11-30" in html
    # Vendored FullCalendar, our own script, no CDN and no inline script (CSP).
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert all("src=" in tag for tag in scripts)
    assert any("vendor/fullcalendar/core" in tag for tag in scripts)
    assert any("js/calendar" in tag and "defer" in tag for tag in scripts)
    # No script, style or font from a CDN (a random token in the page may spell "cdn": look at URLs).
    assert not re.search(r'(?:src|href)="[^"]*cdn', html, re.IGNORECASE)
    assert not re.search(r"<script\b[^>]*>\s*[^<\s]", html)


def test_the_page_shows_only_the_advisers_own_week(client_for, other_advisor, employer_a, network):
    make_appointment(network, employer_a, at=local(MONDAY + timedelta(days=1), 10))
    response = client_for(other_advisor).get(reverse("advisors:calendar"), {"week": "2026-11-23"})
    assert response.status_code == 200
    assert list(response.context["appointments"]) == []
    assert employer_a.employer_profile.company.legal_name not in response.content.decode()


def test_a_bad_week_falls_back_to_this_week_and_says_so_with_a_400(client_for, advisor, network):
    # A 400 since issue 18 (tests/test_extreme_dates.py): the week asked for is not shown.
    response = client_for(advisor).get(reverse("advisors:calendar"), {"week": "2026-02-30"})
    assert response.status_code == 400
    assert response.context["monday"].weekday() == 0
    assert "calendar can show" in response.content.decode() or "calendrier peut" in response.content.decode()


def test_the_english_page_asks_fullcalendar_for_english(client_for, advisor, network):
    with translation.override("en"):
        url = reverse("advisors:calendar")
    assert url.startswith("/en/")
    html = client_for(advisor).get(url).content.decode()
    assert 'data-locale="en"' in html


def test_the_profile_links_to_the_calendar(client_for, advisor, network):
    html = client_for(advisor).get(reverse("advisors:me")).content.decode()
    assert reverse("advisors:calendar") in html


def test_the_feed_json_is_valid_and_not_cached(client_for, advisor, network):
    response = feed(client_for(advisor), **week_params())
    assert isinstance(json.loads(response.content), list)
    assert "no-store" in response["Cache-Control"]


def test_an_appointment_started_before_the_window_is_shown(network, employer_a):
    make_appointment(network, employer_a, at=local(MONDAY - timedelta(days=1), 23), ends=local(MONDAY, 0, 30))
    make_appointment(network, employer_a, at=local(MONDAY - timedelta(days=1), 21))  # ended before
    events = appointments_in(calendar_events(network.advisor_a, local(MONDAY, 0), local(MONDAY, 12)))
    assert [(e["start"], e["end"]) for e in events] == [
        ("2026-11-22T23:00:00-05:00", "2026-11-23T00:30:00-05:00")
    ]


def test_a_point_keeps_its_colour_from_week_to_week(network):
    """A point seen only in one week's opening does not shift the colours of the weekly points."""
    advisor = network.advisor_a
    WeeklyAvailability.objects.create(
        advisor=advisor, weekday=0, start_time=time(9), end_time=time(12), service_point=network.point_b
    )
    AvailabilityException.objects.create(
        advisor=advisor,
        date=MONDAY + timedelta(days=1),
        kind=AvailabilityException.Kind.OPEN,
        start_time=time(9),
        end_time=time(12),
        service_point=network.point_a,  # a lower id than point_b
    )

    def colours(monday):
        events = of_kind(
            calendar_events(advisor, local(monday, 0), local(monday + timedelta(days=7), 0)), "availability"
        )
        return {e["extendedProps"]["servicePoint"]: e["classNames"][1] for e in events}

    this_week, next_week = colours(MONDAY), colours(MONDAY + timedelta(days=7))
    assert this_week[network.point_b.code] == next_week[network.point_b.code] == "cal-point-0"
    assert this_week[network.point_a.code] == "cal-point-1"
