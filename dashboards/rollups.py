"""Computing the daily roll-ups (`dashboards.models`) and telling the dashboards which days they cover.

Maintenance, in two halves (the decision is in docs/architecture.md):
- in the writing transaction, PostgreSQL triggers mark a computed day stale when one of its
  appointments is added, changed (a column the roll-ups read) or deleted, whoever writes it
  (services, bulk updates, the admin, calendar sync, a data fix in psql);
- the beat task `dashboards.refresh_rollups` (every minute) moves the watermark to yesterday
  (`advance`: the newly closed days become stale) and recomputes the stale days (`refresh`),
  each day from its appointments with the same grouping the live queries use.

The dashboards read a period as roll-ups for its days before `cut` and live appointments from
`cut` on: `cut` is the first day that is not computed (after the watermark) or stale. So a figure
never depends on how up to date the roll-ups are, only on how many days they spare.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from appointments.models import Appointment
from dashboards.models import RollupState, StaleDay

# Days recomputed per transaction: a day at 1 000 000 appointments is ~2 000 rows, a month ~60 000.
BATCH_DAYS = 31


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone())


def available() -> bool:
    """Roll-ups exist on PostgreSQL only (the triggers are PostgreSQL's)."""
    return connection.vendor == "postgresql"


@dataclass(frozen=True)
class Coverage:
    """The roll-ups serve the days [start, cut) of a period; the live rows serve [cut, end]."""

    start: date
    cut: date

    @property
    def days(self) -> int:
        return (self.cut - self.start).days


def coverage(start: date, end: date) -> Coverage | None:
    """Which leading days of [start, end] the roll-ups can serve (one query), or None."""
    if not available() or timezone.get_current_timezone_name() != settings.TIME_ZONE:
        return None
    # The database the page reads (the replica in a `core.replica.replica_reads()` block).
    with connections[RollupState.objects.db].cursor() as cursor:
        cursor.execute(
            "SELECT computed_through, (SELECT min(day) FROM dashboards_staleday WHERE day >= %s) "
            "FROM dashboards_rollupstate WHERE id = 1",
            [start],
        )
        row = cursor.fetchone()
    if row is None or row[0] is None:
        return None
    through, first_stale = row
    cut = min(through + timedelta(days=1), end + timedelta(days=1), first_stale or date.max)
    return Coverage(start, cut) if cut > start else None


# --- Maintenance ----------------------------------------------------------------------------------


def advance(*, today: date | None = None) -> int:
    """Move the watermark to yesterday; the days newly closed are marked stale, so the dashboards
    read them live until `refresh` computes them. The first run starts at the first appointment.
    Returns the number of days added."""
    today = today or timezone.localdate(timezone=zone())
    yesterday = today - timedelta(days=1)
    with transaction.atomic():
        # Waits for the appointment writers in flight (their triggers read this row FOR SHARE).
        state, _created = RollupState.objects.select_for_update().get_or_create(pk=1)
        if state.computed_through is not None:
            first = state.computed_through + timedelta(days=1)
            if first > yesterday:
                return 0
        else:
            earliest = Appointment.objects.order_by("starts_at").values_list("starts_at", flat=True).first()
            first = timezone.localtime(earliest, zone()).date() if earliest else today
        days = [first + timedelta(days=n) for n in range((yesterday - first).days + 1)]
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO dashboards_staleday AS s (day, version) "
                "SELECT d, 1 FROM unnest(%s::date[]) AS d "
                "ON CONFLICT (day) DO UPDATE SET version = s.version + 1",
                [days],
            )
        state.computed_through = yesterday
        state.save(update_fields=["computed_through"])
    return len(days)


def refresh(*, max_days: int | None = None) -> int:
    """Recompute the stale days, oldest first, BATCH_DAYS per transaction; returns how many."""
    done = 0
    while max_days is None or done < max_days:
        limit = BATCH_DAYS if max_days is None else min(BATCH_DAYS, max_days - done)
        stale = list(StaleDay.objects.order_by("day").values_list("day", "version")[:limit])
        if not stale:
            break
        with transaction.atomic():
            _compute([day for day, _version in stale])
            with connection.cursor() as cursor:
                # A change committed since we read the version bumped it: the day stays stale.
                cursor.execute(
                    "DELETE FROM dashboards_staleday s "
                    "USING unnest(%s::date[], %s::bigint[]) AS r(day, version) "
                    "WHERE s.day = r.day AND s.version = r.version",
                    [[d for d, _v in stale], [v for _d, v in stale]],
                )
        done += len(stale)
    return done


HIERARCHY = """
    FROM appointments_appointment a
    JOIN advisors_advisor ad ON ad.id = a.advisor_id
    JOIN service_points_servicepoint sp ON sp.id = ad.home_service_point_id
    JOIN service_points_municipality m ON m.id = sp.municipality_id
    JOIN midi_regions_administrativeregion r ON r.id = m.region_id
"""


def _compute(days: list[date]) -> None:
    """Replace the roll-up rows of these days with what their appointments say now."""
    tz = settings.TIME_ZONE
    day = "(a.starts_at AT TIME ZONE %(tz)s)::date"
    where = f"a.starts_at >= %(from)s AND a.starts_at < %(to)s AND {day} = ANY(%(days)s::date[])"
    params = {
        "tz": tz,
        "days": days,
        "from": local_midnight(min(days)),
        "to": local_midnight(max(days) + timedelta(days=1)),
        "active": list(Appointment.ACTIVE_STATUSES),
    }
    with connection.cursor() as cursor:
        for table in ("dashboards_dailytally", "dashboards_dailyadvisorload"):
            cursor.execute(f"DELETE FROM {table} WHERE day = ANY(%(days)s::date[])", params)  # noqa: S608
        cursor.execute(
            f"""INSERT INTO dashboards_dailytally (day, directorate_id, topic_id, mode, status, appointments)
                SELECT {day}, r.directorate_id, a.topic_id, a.mode, a.status, count(*)
                {HIERARCHY} WHERE {where} GROUP BY 1, 2, 3, 4, 5""",  # noqa: S608
            params,
        )
        cursor.execute(
            f"""INSERT INTO dashboards_dailyadvisorload
                    (day, advisor_id, status, appointments, booked_microseconds)
                SELECT {day}, a.advisor_id, a.status, count(*),
                       (extract(epoch FROM sum(a.ends_at - a.starts_at)) * 1000000)::bigint
                FROM appointments_appointment a WHERE {where} GROUP BY 1, 2, 3""",  # noqa: S608
            params,
        )
        # Employers served: these days taken out of every company's days, then put back where an
        # active appointment says so.
        cursor.execute(
            """UPDATE dashboards_employerdays SET served = served - d.days
               FROM (SELECT range_agg(daterange(day, day + 1)) AS days
                     FROM unnest(%(days)s::date[]) AS day) AS d
               WHERE served && d.days""",
            params,
        )
        cursor.execute(
            f"""INSERT INTO dashboards_employerdays AS e (directorate_id, municipality_id, company_id, served)
                SELECT r.directorate_id, a.municipality_id, a.company_id,
                       range_agg(daterange({day}, {day} + 1))
                {HIERARCHY} WHERE {where} AND a.status = ANY(%(active)s) GROUP BY 1, 2, 3
                ON CONFLICT (directorate_id, municipality_id, company_id)
                DO UPDATE SET served = e.served + EXCLUDED.served""",  # noqa: S608
            params,
        )


def rebuild() -> int:
    """Every closed day computed again from the appointments (the backfill command)."""
    advance()
    with transaction.atomic():
        state = RollupState.objects.select_for_update().get(pk=1)
        if state.computed_through is None:
            return 0
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO dashboards_staleday AS s (day, version) "
                "SELECT day, 1 FROM ("
                " SELECT (starts_at AT TIME ZONE %s)::date AS day FROM appointments_appointment"
                " WHERE starts_at < %s UNION SELECT day FROM dashboards_dailytally"
                ") AS days ON CONFLICT (day) DO UPDATE SET version = s.version + 1",
                [settings.TIME_ZONE, local_midnight(state.computed_through + timedelta(days=1))],
            )
    days = refresh()
    with connection.cursor() as cursor:
        # Fresh statistics, so the planner reads the new tables by their day indexes at once.
        cursor.execute("ANALYZE dashboards_dailytally, dashboards_dailyadvisorload, dashboards_employerdays")
    return days
