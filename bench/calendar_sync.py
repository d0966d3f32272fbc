"""Advisers' calendar sync: 550 sources (10 × the network's 55 advisers) read by 2 Celery workers
within one polling period (CALENDAR_SYNC_INTERVAL_SECONDS, 600 s).

Usage (its own database; Redis db 5 by default so nothing else collides):

    createdb -h 127.0.0.1 -U postgres midi_calendar_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/midi_calendar_bench \
        .venv/bin/python bench/calendar_sync.py [--sources 550] [--workers 2] [--events 250] \
        [--redis redis://127.0.0.1:6379/5]

What it does: migrates; flushes the database (its own); creates 55 advisers and `--sources`
published-ICS sources spread over them; serves each source its own Outlook-style file (a Windows
zone with its VTIMEZONE, weekly series with an EXDATE and a moved occurrence, single and all-day
events; `--events` events, about 120 kB) from a threaded HTTP server on loopback; starts
`--workers` Celery workers (solo pool); makes every source due and runs the beat's
`calendar_sync.services.due_sources` (what `calendar_sync.poll_sources` does every minute); waits
until every source has been attempted. Twice: a cold pass (every file read and expanded) and a
warm pass (the next poll: conditional GET, 304 Not Modified). Prints each pass's time, sources
per second, failures and the busy intervals stored. Workers and server are stopped in all cases.
"""

import argparse
import os
import random
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CELERY = str(Path(sys.executable).with_name("celery"))

EST = "TZID=Eastern Standard Time"
VTIMEZONE = """BEGIN:VTIMEZONE\r
TZID:Eastern Standard Time\r
BEGIN:STANDARD\r
DTSTART:16010101T020000\r
TZOFFSETFROM:-0400\r
TZOFFSETTO:-0500\r
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=11\r
END:STANDARD\r
BEGIN:DAYLIGHT\r
DTSTART:16010101T020000\r
TZOFFSETFROM:-0500\r
TZOFFSETTO:-0400\r
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3\r
END:DAYLIGHT\r
END:VTIMEZONE\r
"""


def outlook_file(seed: int, events: int, today: date) -> bytes:
    """An Outlook publication of `events` events around today: one in ten a weekly series (with
    an EXDATE and a moved occurrence), one in twenty all day, the rest single meetings."""
    rng = random.Random(seed)
    parts = [
        "BEGIN:VCALENDAR\r\nMETHOD:PUBLISH\r\nPRODID:Microsoft Exchange Server 2010\r\nVERSION:2.0\r\n",
        VTIMEZONE,
    ]
    for n in range(events):
        day = today + timedelta(days=rng.randint(-120, 90))
        hour = rng.randint(8, 16)
        start = f"{day:%Y%m%d}T{hour:02d}{rng.choice(['00', '30'])}00"
        end = f"{day:%Y%m%d}T{hour + 1:02d}{start[-4:-2]}00"
        common = (
            f"UID:bench-{seed}-{n}\r\nSUMMARY:Rencontre {n}\r\nDTSTAMP:20261201T120000Z\r\n"
            "X-MICROSOFT-CDO-BUSYSTATUS:BUSY\r\nLOCATION:Salle 1\r\nDESCRIPTION:Ordre du jour\\, suivi\r\n"
        )
        if n % 20 == 0:
            parts.append(
                f"BEGIN:VEVENT\r\n{common}DTSTART;VALUE=DATE:{day:%Y%m%d}\r\n"
                f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}\r\nEND:VEVENT\r\n"
            )
        elif n % 10 == 1:
            skipped = day + timedelta(weeks=3)
            moved = day + timedelta(weeks=5)
            parts.append(
                f"BEGIN:VEVENT\r\n{common}RRULE:FREQ=WEEKLY;COUNT=40\r\n"
                f"EXDATE;{EST}:{skipped:%Y%m%d}{start[8:]}\r\n"
                f"DTSTART;{EST}:{start}\r\nDTEND;{EST}:{end}\r\n"
                "END:VEVENT\r\n"
                f"BEGIN:VEVENT\r\n{common}RECURRENCE-ID;{EST}:{moved:%Y%m%d}{start[8:]}\r\n"
                f"DTSTART;{EST}:{moved + timedelta(days=1):%Y%m%d}{start[8:]}\r\n"
                f"DTEND;{EST}:{moved + timedelta(days=1):%Y%m%d}{end[8:]}\r\nEND:VEVENT\r\n"
            )
        else:
            parts.append(
                f"BEGIN:VEVENT\r\n{common}DTSTART;{EST}:{start}\r\nDTEND;{EST}:{end}\r\nEND:VEVENT\r\n"
            )
    parts.append("END:VCALENDAR\r\n")
    return "".join(parts).encode()


def load(count: int, server, events: int) -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from calendar_sync import credentials
    from calendar_sync.models import BusySource
    from tests import factories

    call_command("flush", "--noinput", verbosity=0)  # the bench database holds only bench rows
    network = factories.small_network()
    advisors = [network.advisor_a, network.advisor_b] + [
        factories.AdvisorFactory(home_service_point=network.point_a, knows=[network.topic]) for _ in range(53)
    ]
    today = timezone.localdate()
    sizes = []
    for n in range(count):
        body = outlook_file(n, events, today)
        sizes.append(len(body))
        server.serve(f"/owa/{n}/calendar.ics", body=body)
    BusySource.objects.bulk_create(
        BusySource(
            advisor=advisors[n % len(advisors)],
            kind=BusySource.Kind.ICS,
            name=f"Outlook {n}",
            url_encrypted=credentials.encrypt(server.url(f"/owa/{n}/calendar.ics")),
            host="127.0.0.1",
            next_sync_at=timezone.now() + timedelta(days=1),
        )
        for n in range(count)
    )
    print(
        f"{count} sources, {events} events a file, {sum(sizes) / len(sizes) / 1024:.0f} kB a file", flush=True
    )


def one_pass(label: str, timeout: float) -> float:
    from django.db.models import Q
    from django.utils import timezone

    from calendar_sync import services
    from calendar_sync.models import BusyInterval, BusySource

    start = timezone.now()
    BusySource.objects.update(next_sync_at=start)
    started = time.monotonic()
    queued = services.due_sources(timezone.now())
    waiting = BusySource.objects.filter(Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lt=start))
    while waiting.exists() and time.monotonic() - started < timeout:
        time.sleep(0.2)
    elapsed = time.monotonic() - started
    failed = BusySource.objects.filter(last_error_at__gte=start).count()
    print(
        f"{label:<5} {len(queued)} sources in {elapsed:.1f} s ({len(queued) / elapsed:.1f}/s), "
        f"{failed} failed, {BusyInterval.objects.count()} busy intervals stored",
        flush=True,
    )
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", type=int, default=550)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--events", type=int, default=250)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--timeout", type=int, default=900)
    args = parser.parse_args()

    os.environ.update(
        DJANGO_SETTINGS_MODULE="midi_regions.settings",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench"),
        DEBUG="0",
        REDIS_URL=args.redis,
        CALENDAR_SYNC_ALLOW_PRIVATE_HOSTS="1",  # the files are served on loopback
    )
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/midi_calendar_bench")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from calendar_sync.tests.servers import CalendarServer

    call_command("migrate", verbosity=0)
    server = CalendarServer()
    workers = []
    try:
        load(args.sources, server, args.events)
        for n in range(args.workers):
            workers.append(
                subprocess.Popen(
                    [CELERY, "-A", "midi_regions", "worker", "--pool", "solo"]
                    + ["-n", f"calendar{n}-{os.getpid()}@%h", "--loglevel", "WARNING"]
                    + ["--without-heartbeat", "--without-gossip", "--without-mingle"],
                    cwd=ROOT,
                    env=dict(os.environ),
                    start_new_session=True,
                )
            )
        time.sleep(4)  # let the workers connect
        cold = one_pass("cold", args.timeout)
        warm = one_pass("warm", args.timeout)
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        server.stop()
    period = settings.CALENDAR_SYNC_INTERVAL_SECONDS
    print(f"polling period {period} s: cold pass uses {cold / period:.0%}, warm pass {warm / period:.0%}")


if __name__ == "__main__":
    main()
