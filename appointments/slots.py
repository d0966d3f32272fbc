"""The slot engine: pure functions from an adviser's calendar to the free slots it offers.

No database access here, so the rules can be tested exhaustively (appointments/tests/test_slot_engine.py).
Wall-clock times (weekly blocks, exceptions) are read in the zone of the place they are held at
(Eastern time but on the Îles-de-la-Madeleine: `Block.zone`) and turned into aware datetimes day
by day with zoneinfo, so a 9:00 block stays at 9:00 across DST changes; every comparison is
between aware datetimes.
"""

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.business_hours import is_holiday, local_zone
from core.local_time import zone


@dataclass(frozen=True)
class Block:
    """Wall-clock hours on one day, at a service point (None: remote, phone/video only)."""

    start: time
    end: time
    service_point_id: int | None
    # The zone the hours are read in (IANA name): the service point's municipality's, or for
    # remote hours the adviser's home point's; "" is the network's (settings.TIME_ZONE).
    zone: str = ""


def zone_of(block: Block) -> ZoneInfo:
    return zone(block.zone) if block.zone else local_zone()


@dataclass(frozen=True)
class Slot:
    advisor_id: int
    start: datetime
    end: datetime
    service_point_id: int | None


@dataclass
class AdvisorCalendar:
    """Everything the engine needs to know about one adviser for a window of days."""

    advisor_id: int
    weekly: dict[int, list[Block]]  # weekday → blocks
    opened: dict[date, list[Block]] = field(default_factory=dict)  # extra hours on a date
    closed: dict[date, list[tuple[time, time]]] = field(default_factory=dict)  # closed hours on a date
    time_off: list[tuple[datetime, datetime]] = field(default_factory=list)
    appointments: list[tuple[datetime, datetime]] = field(default_factory=list)  # active ones
    # Other taken times (the adviser's own calendar's busy times): they block, like appointments
    # with their buffers, but are not appointments of the day (max_per_day).
    busy: list[tuple[datetime, datetime]] = field(default_factory=list)
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    max_per_day: int = 8

    def __post_init__(self):
        # Busy intervals = appointments widened by the buffers, sorted for bisection.
        self._busy = sorted(
            (s - self.buffer_before, e + self.buffer_after) for s, e in (*self.appointments, *self.busy)
        )
        self._busy_starts = [s for s, _ in self._busy]
        self._max_busy_length = max((e - s for s, e in self._busy), default=timedelta(0))
        tz = local_zone()
        self._per_day: dict[date, int] = {}
        for start, _end in self.appointments:
            day = start.astimezone(tz).date()
            self._per_day[day] = self._per_day.get(day, 0) + 1

    def blocks_on(self, day: date) -> list[Block]:
        blocks = list(self.weekly.get(day.weekday(), [])) + list(self.opened.get(day, []))
        closures = self.closed.get(day)
        if not closures:
            return blocks
        result = []
        for block in blocks:
            pieces = [(block.start, block.end)]
            for c_start, c_end in closures:
                pieces = [
                    piece
                    for p_start, p_end in pieces
                    for piece in ((p_start, min(p_end, c_start)), (max(p_start, c_end), p_end))
                    if piece[0] < piece[1]
                ]
            result.extend(Block(s, e, block.service_point_id, block.zone) for s, e in pieces)
        return result

    def is_busy(self, start: datetime, end: datetime) -> bool:
        """Does [start, end) overlap a buffered appointment or a time off?"""
        # Busy intervals starting before `end` and not too long ago can overlap.
        hi = bisect_left(self._busy_starts, end)
        lo = bisect_left(self._busy_starts, start - self._max_busy_length)
        for s, e in self._busy[lo:hi]:
            if s < end and start < e:
                return True
        return any(s < end and start < e for s, e in self.time_off)

    def appointments_on(self, day: date) -> int:
        return self._per_day.get(day, 0)


def free_slots(
    calendar: AdvisorCalendar,
    *,
    duration: timedelta,
    earliest: datetime,
    latest: datetime,
    days: Iterable[date],
    service_point_ok=None,
) -> Iterator[Slot]:
    """Free slots of one adviser, day by day, in time order.

    A slot starts at a block's start plus a whole number of durations, lies inside the block,
    starts no earlier than `earliest` (minimum notice) and no later than `latest` (horizon),
    avoids holidays, closed hours, time off and buffered appointments, and is offered only on
    days where the adviser is under the daily maximum. `service_point_ok(id)` filters blocks by
    place (mode and distance rules).
    """
    for day in days:
        if is_holiday(day) or calendar.appointments_on(day) >= calendar.max_per_day:
            continue
        day_slots = []
        for block in calendar.blocks_on(day):
            if service_point_ok is not None and not service_point_ok(block.service_point_id):
                continue
            # Step in UTC: durations are real elapsed time, whatever the DST offset that day.
            tz = zone_of(block)
            block_end = datetime.combine(day, block.end, tzinfo=tz).astimezone(UTC)
            start = datetime.combine(day, block.start, tzinfo=tz).astimezone(UTC)
            while start + duration <= block_end:
                end = start + duration
                if earliest <= start <= latest and not calendar.is_busy(start, end):
                    day_slots.append(Slot(calendar.advisor_id, start, end, block.service_point_id))
                start = end
        day_slots.sort(key=lambda slot: (slot.start, slot.service_point_id or 0))
        # Two blocks could offer the same time at two places: keep one slot per start time.
        seen = set()
        for slot in day_slots:
            if slot.start not in seen:
                seen.add(slot.start)
                yield slot
