"""Busy times from an adviser's own calendar block slots like appointments, through the claims
interface (appointments.claims): in search, in booking (a busy time that arrived after the slot
was shown refuses with the "just taken" answer), in routing proposals and in waitlist offers."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appointments import selectors, services
from appointments.models import Mode
from appointments.slots import free_slots
from calendar_sync import services as sync
from calendar_sync.models import BusyInterval, BusySource
from calendar_sync.services import SourceData
from calendar_sync.tests.servers import fixture
from calendar_sync.tests.test_expansion import independent_outlook
from core.catalogue import current_generation
from tests.booking_helpers import book, open_weekdays, tuesday

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("commits_at_once")]

TZ = ZoneInfo("America/Toronto")


def connect(advisor, served, name="/outlook.ics", body=None):
    url = served.serve(name, body=body or fixture("outlook_weekly.ics"))
    return sync.add_source(advisor=advisor, data=SourceData(kind="ics", name="Outlook", url=url))


def engine_slots(advisor, topic, now):
    """Every slot the booking engine offers the adviser from `now` to the topic's horizon (the
    calendars as booking and routing load them: appointments ∪ claims)."""
    earliest, latest = selectors.booking_window(topic, now)
    first = now.astimezone(TZ).date()
    days = [first + timedelta(days=n) for n in range(topic.horizon_days + 2)]
    calendar = selectors.load_calendars([advisor], start=days[0], end=days[-1] + timedelta(days=1))[
        advisor.pk
    ]
    return [
        (s.start, s.end)
        for s in free_slots(
            calendar,
            duration=timedelta(minutes=topic.duration_minutes),
            earliest=earliest,
            latest=latest,
            days=days,
        )
    ]


@pytest.fixture
def unbuffered(bookable):
    """Adviser A without buffers, so a slot next to a busy time is offered (with buffers, busy
    times are widened like appointments: the adviser's travel and preparation time)."""
    bookable.advisor_a.buffer_before_minutes = bookable.advisor_a.buffer_after_minutes = 0
    bookable.advisor_a.save()
    return bookable


def wednesday(hour, minute=0):
    """Wednesday 25 November (the minimum notice leaves Tuesday's morning out), Québec time."""
    return tuesday(hour, minute) + timedelta(days=1)


def overlaps(slot, busy) -> bool:
    return any(slot[0] < e and s < slot[1] for s, e in busy)


def test_a_weekly_outlook_meeting_blocks_exactly_the_right_slots_over_the_horizon_across_dst(network, served):
    """Tuesday 13 October 2026: the 60-day horizon crosses the change to standard time (1
    November); the meeting moved from Wednesday 28 October to Thursday 29 at 16:00 and the one of
    11 November cancelled. The slots lost are exactly those overlapping the independent
    expansion, no more, no less."""
    advisor, topic = network.advisor_a, network.topic
    topic.duration_minutes = 30
    topic.save()
    advisor.buffer_before_minutes = advisor.buffer_after_minutes = 0
    advisor.save()
    open_weekdays(advisor)
    now = datetime(2026, 10, 13, 10, tzinfo=TZ)
    with time_machine.travel(now, tick=False):
        before = engine_slots(advisor, topic, now)
        connect(advisor, served)
        after = engine_slots(advisor, topic, now)
    window_from, window_to = sync.sync_window(now)
    busy = independent_outlook(window_from, window_to)
    assert after == [slot for slot in before if not overlaps(slot, busy)]
    lost = sorted(set(before) - set(after))
    local = [(s.astimezone(TZ).date(), s.astimezone(TZ).strftime("%H:%M")) for s, _ in lost]
    assert (date(2026, 10, 14), "14:00") in local and (date(2026, 11, 4), "14:00") in local  # DST both sides
    assert (date(2026, 10, 29), "16:00") in local and (date(2026, 10, 28), "14:00") not in local  # moved
    assert (date(2026, 11, 11), "14:00") not in local  # cancelled
    assert all(d == date(2026, 12, 4) for d, _ in local if (d, "08:30") in local)  # the all-day OOF


@pytest.mark.usefixtures("frozen_now", "unbuffered")
def test_no_slot_offered_in_search_overlaps_a_known_busy_time(bookable, served):
    connect(bookable.advisor_a, served, "/google.ics", fixture("google.ics"))
    busy = list(BusyInterval.objects.values_list("starts_at", "ends_at"))
    assert busy
    search = selectors.available_slots(
        topic=bookable.topic,
        mode=Mode.SERVICE_POINT,
        location=bookable.municipality_a,
        only_advisor=bookable.advisor_a,
        days_per_group=None,
    )
    offered = [(s.start, s.end) for g in search.groups for _d, slots in g.days for s in slots]
    assert offered and not [slot for slot in offered if overlaps(slot, busy)]
    # Wednesday: 9:00–9:30 busy (Google's daily meeting) → no 8:30 one-hour slot; 9:30 is free;
    # 13:00–14:30 busy → 13:00 and 14:00 gone, 15:00 free.
    starts = {s for s, _ in offered}
    assert wednesday(8, 30) not in starts and wednesday(9, 30) in starts
    assert {wednesday(13), wednesday(14)} & starts == set() and wednesday(15) in starts


@pytest.mark.usefixtures("frozen_now")
def test_a_busy_time_arriving_between_search_and_booking_refuses_with_just_taken(
    bookable, employer_a, served
):
    source = connect(bookable.advisor_a, served, "/cal.ics", fixture("exchange_no_vtimezone.ics"))
    search = selectors.available_slots(
        topic=bookable.topic,
        mode=Mode.SERVICE_POINT,
        location=bookable.municipality_a,
        only_advisor=bookable.advisor_a,
    )
    shown = [s.start for g in search.groups for _d, slots in g.days for s in slots]
    assert tuesday(10, 30) in shown
    # The adviser accepts an Outlook meeting on Tuesday 10:00–11:00; the next poll reads it.
    served.serve(
        "/cal.ics",
        body=fixture("exchange_no_vtimezone.ics")
        .replace(
            b"DTSTART;TZID=Eastern Standard Time:20261125T130000",
            b"DTSTART;TZID=Eastern Standard Time:20261124T100000",
        )
        .replace(
            b"DTEND;TZID=Eastern Standard Time:20261125T143000",
            b"DTEND;TZID=Eastern Standard Time:20261124T110000",
        ),
    )
    assert sync.sync_source(source.pk)
    with pytest.raises(services.BookingError) as refused:
        book(bookable, employer_a, tuesday(10, 30))
    assert refused.value.code == services.SLOT_TAKEN
    assert book(bookable, employer_a, tuesday(13)).starts_at == tuesday(13)


@pytest.mark.usefixtures("frozen_now")
def test_routing_proposals_refuse_a_busy_time(bookable, served):
    connect(bookable.advisor_a, served, "/google.ics", fixture("google.ics"))
    slot = selectors.find_free_slot(
        advisor=bookable.advisor_a,
        topic=bookable.topic,
        mode=Mode.SERVICE_POINT,
        location=bookable.municipality_a,
        service_point_id=bookable.point_a.pk,
        starts_at=wednesday(8, 30),  # overlaps 9:00–9:30
    )
    assert slot is None


@pytest.mark.usefixtures("frozen_now", "unbuffered")
def test_waitlist_offers_skip_busy_times(bookable, employer_a, served):
    from waitlist import services as waitlist
    from waitlist.tests.test_waitlist import join

    connect(bookable.advisor_a, served, "/google.ics", fixture("google.ics"))
    join(bookable, employer_a)
    holds = waitlist.offer_freed_time(
        advisor_id=bookable.advisor_a.pk, start=wednesday(8, 30), end=wednesday(12)
    )
    assert holds and holds[0].starts_at == wednesday(9, 30)  # 8:30 overlaps the 9:00 meeting


@pytest.mark.usefixtures("frozen_now")
def test_busy_times_are_claims_read_fresh_and_never_invalidate_the_catalogue(bookable, served):
    """A sync every 10 minutes for every adviser would drop every process's catalogue copy if busy
    times were part of it: they are a claim, read by the search's one fresh query instead."""
    search = {
        "topic": bookable.topic,
        "mode": Mode.SERVICE_POINT,
        "location": bookable.municipality_a,
        "only_advisor": bookable.advisor_a,
    }
    first = [s.start for g in selectors.available_slots(**search).groups for _d, ss in g.days for s in ss]
    generation = current_generation()
    connect(bookable.advisor_a, served, "/google.ics", fixture("google.ics"))
    assert current_generation() == generation
    second = [s.start for g in selectors.available_slots(**search).groups for _d, ss in g.days for s in ss]
    assert wednesday(8, 30) in first and wednesday(8, 30) not in second
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM information_schema.triggers WHERE event_object_table = %s",
                ["calendar_sync_businterval"],
            )
            assert cursor.fetchone()[0] == 0


@pytest.mark.usefixtures("frozen_now")
def test_removing_a_calendar_frees_its_times_at_once(bookable, served):
    source = connect(bookable.advisor_a, served, "/google.ics", fixture("google.ics"))
    assert sync.remove_source(advisor=bookable.advisor_a, pk=source.pk)
    slot = selectors.find_free_slot(
        advisor=bookable.advisor_a,
        topic=bookable.topic,
        mode=Mode.SERVICE_POINT,
        location=bookable.municipality_a,
        service_point_id=bookable.point_a.pk,
        starts_at=wednesday(8, 30),
        now=timezone.now(),
    )
    assert slot is not None


@pytest.mark.usefixtures("frozen_now")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    busy=st.lists(
        st.tuples(st.integers(min_value=0, max_value=14 * 24 * 4), st.integers(min_value=1, max_value=48)),
        min_size=1,
        max_size=12,
    )
)
def test_property_no_slot_in_search_or_booking_overlaps_a_stored_busy_time(bookable, busy):
    """Any busy times (quarter-hour starts over the search's two weeks, 15 min to 12 h long): the
    search offers no slot overlapping one, and the booking service refuses any such time."""
    BusySource.objects.all().delete()
    source = BusySource.objects.create(
        advisor=bookable.advisor_a,
        kind="ics",
        name="x",
        url_encrypted="",
        host="h",
        next_sync_at=timezone.now(),
    )
    origin = timezone.now().replace(minute=0, second=0, microsecond=0)
    intervals = [
        (origin + timedelta(minutes=15 * start), origin + timedelta(minutes=15 * (start + length)))
        for start, length in busy
    ]
    BusyInterval.objects.bulk_create(
        BusyInterval(source=source, advisor=bookable.advisor_a, starts_at=s, ends_at=e) for s, e in intervals
    )
    search = selectors.available_slots(
        topic=bookable.topic,
        mode=Mode.SERVICE_POINT,
        location=bookable.municipality_a,
        only_advisor=bookable.advisor_a,
        days_per_group=None,
    )
    offered = [(s.start, s.end) for g in search.groups for _d, slots in g.days for s in slots]
    assert not [slot for slot in offered if overlaps(slot, intervals)]
    s, e = intervals[0]
    assert (
        selectors.find_free_slot(
            advisor=bookable.advisor_a,
            topic=bookable.topic,
            mode=Mode.SERVICE_POINT,
            location=bookable.municipality_a,
            service_point_id=bookable.point_a.pk,
            starts_at=s,
        )
        is None
    )


@pytest.mark.usefixtures("frozen_now")
def test_busy_times_are_no_appointments_of_the_day(unbuffered, employer_a):
    """An adviser allowed 2 appointments a day, with three short meetings in Outlook on Wednesday
    morning: the afternoon is still offered (busy times block their own hours only), until two
    real appointments fill the day."""
    advisor = unbuffered.advisor_a
    advisor.max_appointments_per_day = 2
    advisor.save()
    source = BusySource.objects.create(
        advisor=advisor, kind="ics", name="Outlook", url_encrypted="", host="h", next_sync_at=timezone.now()
    )
    BusyInterval.objects.bulk_create(
        BusyInterval(source=source, advisor=advisor, starts_at=wednesday(h), ends_at=wednesday(h, 30))
        for h in (9, 10, 11)
    )

    def wednesday_starts():
        search = selectors.available_slots(
            topic=unbuffered.topic,
            mode=Mode.SERVICE_POINT,
            location=unbuffered.municipality_a,
            only_advisor=advisor,
            days_per_group=None,
        )
        day = wednesday(0).date()
        return {s.start for g in search.groups for d, slots in g.days if d == day for s in slots}

    assert wednesday(13) in wednesday_starts() and wednesday(9) not in wednesday_starts()
    book(unbuffered, employer_a, wednesday(13))
    assert wednesday(14) in wednesday_starts()  # one appointment of two
    book(unbuffered, employer_a, wednesday(14))
    assert wednesday_starts() == set()  # two of two: the day is full
