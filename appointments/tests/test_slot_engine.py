"""Properties of the slot engine (appointments/slots.py), checked against independent rules."""

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from appointments.slots import AdvisorCalendar, Block, free_slots
from core.business_hours import add_business_days, is_holiday

TZ = ZoneInfo("America/Toronto")
FIRST_DAY = date(2026, 10, 26)  # the week before the 2026-11-01 DST change
DAYS = [FIRST_DAY + timedelta(days=n) for n in range(14)]


def quarter_times(lo=7 * 4, hi=18 * 4):
    return st.integers(lo, hi).map(lambda q: time(q // 4, (q % 4) * 15))


@st.composite
def blocks(draw, point_ids=(1, 2, None)):
    start = draw(st.integers(7 * 4, 16 * 4))
    length = draw(st.integers(2, 16))
    end = min(start + length, 19 * 4)
    return Block(
        time(start // 4, (start % 4) * 15), time(end // 4, (end % 4) * 15), draw(st.sampled_from(point_ids))
    )


@st.composite
def local_intervals(draw, days=DAYS):
    day = draw(st.sampled_from(days))
    start = draw(st.integers(7 * 4, 17 * 4))
    length = draw(st.integers(1, 12))
    s = datetime.combine(day, time(start // 4, (start % 4) * 15), tzinfo=TZ).astimezone(UTC)
    return s, s + timedelta(minutes=15 * length)


@st.composite
def calendars(draw):
    weekly = {d: draw(st.lists(blocks(), max_size=2)) for d in range(7)}
    closed_day = draw(st.sampled_from(DAYS))
    closed = {closed_day: [(draw(quarter_times()), time(18, 0))]}
    opened_day = draw(st.sampled_from(DAYS))
    opened = {opened_day: draw(st.lists(blocks(), max_size=1))}
    return AdvisorCalendar(
        advisor_id=7,
        weekly=weekly,
        opened=opened,
        closed=closed,
        time_off=draw(st.lists(local_intervals(), max_size=2)),
        appointments=draw(st.lists(local_intervals(), max_size=8)),
        buffer_before=timedelta(minutes=draw(st.sampled_from([0, 15]))),
        buffer_after=timedelta(minutes=draw(st.sampled_from([0, 15, 30]))),
        max_per_day=draw(st.integers(1, 6)),
    )


def inside_blocks(calendar: AdvisorCalendar, start: datetime, end: datetime, point) -> bool:
    """Independent check: is [start, end) inside a block at `point`, minus closed hours?"""
    local_start, local_end = start.astimezone(TZ), end.astimezone(TZ)
    day = local_start.date()
    if local_end.date() != day:
        return False
    candidates = list(calendar.weekly.get(day.weekday(), [])) + list(calendar.opened.get(day, []))
    within = any(
        b.service_point_id == point and b.start <= local_start.time() and local_end.time() <= b.end
        for b in candidates
    )
    closed = any(
        c_start < local_end.time() and local_start.time() < c_end
        for c_start, c_end in calendar.closed.get(day, [])
    )
    return within and not closed


@settings(max_examples=150, deadline=None)
@given(
    calendar=calendars(),
    duration=st.sampled_from([30, 45, 60, 90]),
    notice_hours=st.integers(0, 72),
    horizon_days=st.integers(1, 14),
)
def test_every_offered_slot_respects_every_rule(calendar, duration, notice_hours, horizon_days):
    now = datetime.combine(FIRST_DAY, time(9, 0), tzinfo=TZ).astimezone(UTC)
    earliest, latest = now + timedelta(hours=notice_hours), now + timedelta(days=horizon_days)
    length = timedelta(minutes=duration)
    offered = list(free_slots(calendar, duration=length, earliest=earliest, latest=latest, days=DAYS))
    per_day: dict[date, int] = {}
    for s, _e in calendar.appointments:
        per_day[s.astimezone(TZ).date()] = per_day.get(s.astimezone(TZ).date(), 0) + 1
    for slot in offered:
        day = slot.start.astimezone(TZ).date()
        assert slot.end - slot.start == length
        assert inside_blocks(calendar, slot.start, slot.end, slot.service_point_id)
        assert earliest <= slot.start <= latest
        assert not is_holiday(day)
        assert per_day.get(day, 0) < calendar.max_per_day
        for s, e in calendar.time_off:
            assert not (s < slot.end and slot.start < e)
        for s, e in calendar.appointments:
            # The gap after an appointment is at least buffer_after, before one at least buffer_before.
            assert slot.end + calendar.buffer_before <= s or e + calendar.buffer_after <= slot.start
    starts = [slot.start for slot in offered]
    assert starts == sorted(starts) and len(starts) == len(set(starts))


@settings(max_examples=60, deadline=None)
@given(calendar=calendars(), seed=st.integers(0, 1000))
def test_slots_do_not_depend_on_the_order_appointments_were_created(calendar, seed):
    now = datetime.combine(FIRST_DAY, time(0, 0), tzinfo=TZ).astimezone(UTC)
    kwargs = {
        "duration": timedelta(minutes=60),
        "earliest": now,
        "latest": now + timedelta(days=14),
        "days": DAYS,
    }
    shuffled = list(calendar.appointments)
    random.Random(seed).shuffle(shuffled)
    other = AdvisorCalendar(
        advisor_id=calendar.advisor_id,
        weekly=calendar.weekly,
        opened=calendar.opened,
        closed=calendar.closed,
        time_off=list(reversed(calendar.time_off)),
        appointments=shuffled,
        buffer_before=calendar.buffer_before,
        buffer_after=calendar.buffer_after,
        max_per_day=calendar.max_per_day,
    )
    assert list(free_slots(calendar, **kwargs)) == list(free_slots(other, **kwargs))


def nine_to_noon(point=1):
    return {d: [Block(time(9, 0), time(12, 0), point)] for d in range(5)}


def test_slots_keep_local_wall_clock_across_the_autumn_dst_change():
    calendar = AdvisorCalendar(advisor_id=1, weekly=nine_to_noon())
    before, after = date(2026, 10, 30), date(2026, 11, 2)  # Friday EDT, Monday EST
    now = datetime(2026, 10, 1, tzinfo=UTC)
    slots = list(
        free_slots(
            calendar,
            duration=timedelta(hours=1),
            earliest=now,
            latest=now + timedelta(days=60),
            days=[before, after],
        )
    )
    local = [(s.start.astimezone(TZ).date(), s.start.astimezone(TZ).strftime("%H:%M")) for s in slots]
    assert local == [
        (before, "09:00"),
        (before, "10:00"),
        (before, "11:00"),
        (after, "09:00"),
        (after, "10:00"),
        (after, "11:00"),
    ]
    # Same wall-clock time, different UTC instants: 13:00 UTC in EDT, 14:00 UTC in EST.
    assert slots[0].start.hour == 13 and slots[3].start.hour == 14
    assert all(s.end - s.start == timedelta(hours=1) for s in slots)


def test_slots_keep_local_wall_clock_across_the_spring_dst_change():
    calendar = AdvisorCalendar(advisor_id=1, weekly=nine_to_noon())
    friday, monday = date(2027, 3, 12), date(2027, 3, 15)  # EST, then EDT (2027-03-14)
    now = datetime(2027, 3, 1, tzinfo=UTC)
    slots = list(
        free_slots(
            calendar,
            duration=timedelta(hours=1),
            earliest=now,
            latest=now + timedelta(days=60),
            days=[friday, monday],
        )
    )
    assert [s.start.astimezone(TZ).strftime("%H:%M") for s in slots] == ["09:00", "10:00", "11:00"] * 2
    assert slots[0].start.hour == 14 and slots[3].start.hour == 13


def test_an_appointment_booked_before_the_change_still_blocks_its_slot_after_it():
    monday = date(2026, 11, 2)
    booked = datetime.combine(monday, time(10, 0), tzinfo=TZ).astimezone(UTC)
    calendar = AdvisorCalendar(
        advisor_id=1, weekly=nine_to_noon(), appointments=[(booked, booked + timedelta(hours=1))]
    )
    now = datetime(2026, 10, 20, tzinfo=UTC)
    slots = free_slots(
        calendar, duration=timedelta(hours=1), earliest=now, latest=now + timedelta(days=60), days=[monday]
    )
    assert [s.start.astimezone(TZ).strftime("%H:%M") for s in slots] == ["09:00", "11:00"]


def test_quebec_public_holidays_offer_no_slot():
    calendar = AdvisorCalendar(advisor_id=1, weekly=nine_to_noon())
    fete_nationale = date(2026, 6, 24)  # a Wednesday
    now = datetime(2026, 6, 1, tzinfo=UTC)
    assert is_holiday(fete_nationale)
    assert not list(
        free_slots(
            calendar,
            duration=timedelta(hours=1),
            earliest=now,
            latest=now + timedelta(days=60),
            days=[fete_nationale],
        )
    )


def test_minimum_notice_counts_business_days_and_skips_holidays():
    friday_afternoon = datetime(2026, 6, 19, 15, 0, tzinfo=TZ)
    assert add_business_days(friday_afternoon, 1) == datetime(2026, 6, 22, 15, 0, tzinfo=TZ)
    # 23 June + 1 business day skips the Fête nationale (24 June).
    assert add_business_days(datetime(2026, 6, 23, 10, 0, tzinfo=TZ), 1) == datetime(
        2026, 6, 25, 10, 0, tzinfo=TZ
    )


def test_the_daily_maximum_closes_a_day():
    monday = date(2026, 11, 2)
    booked = [
        (t, t + timedelta(minutes=30))
        for t in (datetime.combine(monday, time(9, 0), tzinfo=TZ).astimezone(UTC),)
    ]
    calendar = AdvisorCalendar(advisor_id=1, weekly=nine_to_noon(), appointments=booked, max_per_day=1)
    now = datetime(2026, 10, 20, tzinfo=UTC)
    assert not list(
        free_slots(
            calendar,
            duration=timedelta(hours=1),
            earliest=now,
            latest=now + timedelta(days=60),
            days=[monday],
        )
    )
