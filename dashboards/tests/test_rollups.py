"""The daily roll-ups give the dashboards exactly the figures the live appointments give.

Generated data sets (hypothesis): appointments of two directorates' advisers at any hour of
the day (the local day is not the UTC day after 19:00), in the past, today and the future, every
status, topic and mode; the roll-ups computed; then changes the triggers must see — cancellations,
outcomes, reschedules to another day, appointments added and deleted — some of them recomputed
and some left stale. Every figure of the directorate and national dashboards, for the default
period and for a year, is compared with roll-ups and without; so is the rendered page.
"""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appointments.models import Appointment, Mode
from dashboards import rollups, selectors
from dashboards.models import DailyTally, StaleDay
from tests import factories
from tests.booking_helpers import NOW
from tests.clients import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

TZ = ZoneInfo("America/Toronto")
TODAY = NOW.date()
S = Appointment.Status
YEAR = {"start": (TODAY - timedelta(days=300)).isoformat(), "end": (TODAY + timedelta(days=65)).isoformat()}


@pytest.fixture
def cast(network):
    """Three advisers (two in Mauricie, one in Montréal), two topics, three companies."""
    topic2 = factories.TopicFactory(code="permanent-immigration", name_fr="Immigration permanente")
    a2 = factories.AdvisorFactory(home_service_point=network.point_a, knows=[network.topic, topic2])
    companies = [
        factories.CompanyFactory(municipality=network.municipality_a),
        factories.CompanyFactory(municipality=network.municipality_b),
        factories.CompanyFactory(municipality=network.municipality_a),
    ]
    return {
        "network": network,
        "advisors": [network.advisor_a, a2, network.advisor_b],
        "points": [network.point_a, network.point_a, network.point_b],
        "topics": [network.topic, topic2],
        "companies": companies,
    }


def start_at(day_offset: int, hour: int) -> datetime:
    return datetime.combine(TODAY + timedelta(days=day_offset), time(hour), tzinfo=TZ)


appointment = st.tuples(
    st.integers(0, 2),  # adviser
    st.integers(0, 2),  # company
    st.integers(0, 1),  # topic
    st.sampled_from(list(Mode.values)),
    st.sampled_from(list(S.values)),
    st.integers(-70, 10),  # day, from today
    st.integers(0, 23),  # hour (local)
    st.sampled_from([15, 30, 45, 60]),  # minutes
)
change = st.tuples(
    st.sampled_from(["cancel", "complete", "no_show", "move", "delete"]),
    st.integers(0, 10_000),  # which appointment
    st.integers(-70, 10),  # a move's day
    st.integers(0, 23),  # a move's hour
)


def create(cast, spec) -> Appointment:
    advisor, company, topic, mode, status, day, hour, minutes = spec
    starts = start_at(day, hour)
    company = cast["companies"][company]
    row = Appointment.objects.create(
        advisor=cast["advisors"][advisor],
        topic=cast["topics"][topic],
        mode=mode,
        service_point=cast["points"][advisor] if mode == Mode.SERVICE_POINT else None,
        company=company,
        municipality=company.municipality,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=minutes),
        status=status,
    )
    Appointment.objects.filter(pk=row.pk).update(created_at=starts - timedelta(days=2, hours=hour))
    return row


def apply(change_spec, rows: list[Appointment], taken: set) -> None:
    """One change through the ORM (the triggers see every write, whoever makes it)."""
    kind, index, day, hour = change_spec
    if not rows:
        return
    row = rows[index % len(rows)]
    if kind == "delete":
        taken.discard((row.advisor_id, row.starts_at))
        row.delete()
        rows.remove(row)
    elif kind == "move":
        new = start_at(day, hour)
        if (row.advisor_id, new) in taken:
            return
        taken.discard((row.advisor_id, row.starts_at))
        taken.add((row.advisor_id, new))
        duration = row.ends_at - row.starts_at
        Appointment.objects.filter(pk=row.pk).update(starts_at=new, ends_at=new + duration)
        row.starts_at, row.ends_at = new, new + duration
    else:
        status = {"cancel": S.CANCELLED, "complete": S.COMPLETED, "no_show": S.NO_SHOW}[kind]
        Appointment.objects.filter(pk=row.pk).update(status=status)


def comparable(figures: dict) -> dict:
    """Every figure, the adviser rows as plain tuples."""
    out = dict(figures)
    out["advisors"] = [
        (
            r.advisor.pk,
            r.booked_hours,
            r.available_hours,
            r.upcoming,
            r.open_requests,
            r.overdue_requests,
            r.busiest,
            r.idlest,
            r.counts,
        )
        for r in figures["advisors"]
    ]
    return out


def catalogue_and_filters(user, code, params):
    catalogue = selectors.Catalogue.for_user(user, code)
    form = selectors.FilterForm(params, catalogue=catalogue)
    assert form.is_valid(), form.errors
    return catalogue, form.filters()


def assert_same_figures(cast, manager, administrator, *, expect_rolled: bool) -> None:
    code = cast["network"].directorate_a.code
    for user, page_code in ((manager, code), (administrator, None)):
        for params in ({}, YEAR):
            catalogue, filters = catalogue_and_filters(user, page_code, params)
            covered = selectors._coverage(filters)
            if expect_rolled:
                assert covered is not None and covered.days > 0  # the roll-ups did serve days
            rolled = selectors.figures(filters, catalogue=catalogue, now=NOW)
            live = selectors.figures(filters, catalogue=catalogue, now=NOW, use_rollups=False)
            assert comparable(rolled) == comparable(live), (page_code, params, covered)


def page(client, code, params) -> str:
    url = (
        reverse("midi_regions:dashboard", kwargs={"code": code}) if code else reverse("midi_regions:national")
    )
    response = client.get(url, params)
    assert response.status_code == 200
    # CSRF tokens and CSP nonces change with every response; nothing else may.
    return re.sub(r'[A-Za-z0-9]{64}|nonce="[^"]+"', "", response.content.decode())


@pytest.mark.long(25)
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(appointment, min_size=1, max_size=40, unique_by=lambda s: (s[0], s[5], s[6])),
    changes=st.lists(change, max_size=12),
    refresh_after=st.integers(0, 3),
)
def test_rolled_up_figures_equal_live_ones(cast, manager, administrator, specs, changes, refresh_after):
    Appointment.objects.all().delete()
    rows = [create(cast, spec) for spec in specs]
    taken = {(r.advisor_id, r.starts_at) for r in rows}
    rollups.advance(today=TODAY)
    rollups.refresh()
    assert not StaleDay.objects.exists()
    assert_same_figures(cast, manager, administrator, expect_rolled=True)

    for change_spec in changes:
        apply(change_spec, rows, taken)
    # Some stale days recomputed, the others read live.
    rollups.refresh(max_days=refresh_after)
    assert_same_figures(cast, manager, administrator, expect_rolled=False)
    rollups.refresh()
    assert not StaleDay.objects.exists()
    assert_same_figures(cast, manager, administrator, expect_rolled=True)


def test_the_page_is_the_same_with_or_without_roll_ups(cast, manager, administrator):
    for n in range(60):
        create(cast, (n % 3, n % 3, n % 2, Mode.values[n % 4], S.values[n % 4], -n * 5 + 8, (n * 7) % 24, 30))
    rollups.advance(today=TODAY)
    rollups.refresh()
    assert DailyTally.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM dashboards_employerdays WHERE NOT isempty(served)")
        assert cursor.fetchone()[0] > 0
    code = cast["network"].directorate_a.code
    for user, page_code in ((manager, code), (administrator, None)):
        client = signed_in(user)
        for params in ({}, YEAR):
            rolled = page(client, page_code, params)
            with override_settings(DASHBOARD_ROLLUPS=False):
                live = page(client, page_code, params)
            assert rolled == live


def test_a_change_to_a_computed_day_marks_it_stale_until_refreshed(cast):
    row = create(cast, (0, 0, 0, Mode.PHONE, S.CONFIRMED, -3, 23, 30))  # 23:00 local: the next UTC day
    rollups.advance(today=TODAY)
    rollups.refresh()
    three_days_ago = TODAY - timedelta(days=3)
    assert DailyTally.objects.get(day=three_days_ago).appointments == 1
    assert rollups.coverage(TODAY - timedelta(days=10), TODAY).cut == TODAY

    Appointment.objects.filter(pk=row.pk).update(status=S.CANCELLED)
    assert list(StaleDay.objects.values_list("day", flat=True)) == [three_days_ago]
    assert rollups.coverage(TODAY - timedelta(days=10), TODAY).cut == three_days_ago
    Appointment.objects.filter(pk=row.pk).update(message="a column the roll-ups do not read")
    assert StaleDay.objects.get().version == 1

    rollups.refresh()
    assert DailyTally.objects.get(day=three_days_ago).status == S.CANCELLED
    assert not StaleDay.objects.exists()


def test_moving_an_adviser_to_another_directorate_marks_every_computed_day(cast):
    create(cast, (0, 0, 0, Mode.PHONE, S.COMPLETED, -3, 10, 30))
    create(cast, (0, 0, 0, Mode.PHONE, S.COMPLETED, -9, 10, 30))
    rollups.advance(today=TODAY)
    rollups.refresh()
    advisor = cast["advisors"][0]
    advisor.home_service_point = cast["network"].point_b
    advisor.save()
    assert set(StaleDay.objects.values_list("day", flat=True)) == {
        TODAY - timedelta(days=3),
        TODAY - timedelta(days=9),
    }
    rollups.refresh()
    assert set(DailyTally.objects.values_list("directorate_id", flat=True)) == {
        cast["network"].directorate_b.pk
    }


def test_the_watermark_closes_yesterday_and_not_today(cast):
    create(cast, (0, 0, 0, Mode.PHONE, S.CONFIRMED, 0, 9, 30))
    create(cast, (0, 0, 0, Mode.PHONE, S.COMPLETED, -1, 9, 30))
    assert rollups.advance(today=TODAY) == 1
    rollups.refresh()
    assert list(DailyTally.objects.values_list("day", flat=True)) == [TODAY - timedelta(days=1)]
    assert rollups.advance(today=TODAY) == 0
    assert rollups.advance(today=TODAY + timedelta(days=1)) == 1
    assert StaleDay.objects.get().day == TODAY


def test_backfill_command_computes_every_closed_day(cast):
    from django.core.management import call_command

    for day in (-40, -2):
        create(cast, (1, 1, 1, Mode.VIDEO, S.COMPLETED, day, 14, 45))
    call_command("backfill_dashboard_rollups", stdout=__import__("io").StringIO())
    assert sorted(DailyTally.objects.values_list("day", flat=True)) == [
        TODAY - timedelta(days=40),
        TODAY - timedelta(days=2),
    ]
    assert not StaleDay.objects.exists()


def test_the_beat_task_closes_yesterday_and_recomputes_what_changed(cast):
    from dashboards.tasks import refresh_rollups

    row = create(cast, (0, 0, 0, Mode.PHONE, S.CONFIRMED, -2, 9, 30))
    assert refresh_rollups() == {"closed": 2, "refreshed": 2}
    Appointment.objects.filter(pk=row.pk).update(status=S.NO_SHOW)
    assert refresh_rollups() == {"closed": 0, "refreshed": 1}
    assert DailyTally.objects.get().status == S.NO_SHOW
