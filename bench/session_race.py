"""200 companies registering at once for a group session of 20 seats, on PostgreSQL.

Usage:

    .venv/bin/python bench/session_race.py [--database midi_groups_bench] [--companies 200] \
        [--threads 50] [--rounds 3] [--party 1]

Uses the database of bench/session_list.py (created, migrated and seeded if absent). Each round
schedules a fresh session of 20 seats for an adviser of the network (an evening far ahead), then
`--threads` threads (each with its own connection; PostgreSQL's 100 connections are shared)
start together at a barrier and call `group_sessions.services.register` for `--companies`
companies (each of its own, made once and kept), `--party` participants each. The emails are
left to the worker, as in production (the outbox rows are written; no task runs here).
Prints per round: outcomes, seats taken (the counter and the sum of the seated registrations),
the round's time (release → last answer) and p50 / p95 / max of the refusals; exit 1 if a seat
is sold twice, an attempt errs, the round takes 5 s or more, or the p95 refusal is 1 s or more.
"""

import argparse
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import time as clock
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import percentile  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="midi_groups_bench")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--companies", type=int, default=200)
    parser.add_argument("--threads", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--party", type=int, default=1)
    args = parser.parse_args()
    url = f"{args.server}/{args.database}"
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", args.database], capture_output=True)
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "SECRET_KEY": "bench-not-secret"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True)
    subprocess.run([*manage, "seed_network"], env=env, check=True, capture_output=True)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "midi_regions.settings")
    import django

    django.setup()
    import logging

    logging.disable(logging.INFO)
    from django.db import connection
    from django.db.models import Sum
    from django.utils import timezone

    from accounts.models import Company, EmployerProfile, User
    from advisors.models import Advisor, Language
    from group_sessions import notices, services
    from group_sessions.models import GroupSession, Registration, SessionMode

    notices.enqueue_sending = lambda: None  # the worker's job, not the registering request's
    advisor = Advisor.objects.filter(is_active=True, home_service_point__isnull=False).order_by("pk").first()
    users = []
    for n in range(args.companies):
        email = f"bench-race-{n}@example.org"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=None)
            company = Company.objects.create(
                legal_name=f"Course {n} inc.",
                neq=f"{1990000000 + n}",
                street_address="1, rue du Banc",
                postal_code="G9A 1A1",
                municipality=advisor.home_service_point.municipality,
            )
            EmployerProfile.objects.create(user=user, company=company)
        users.append(User.objects.select_related("employer_profile__company").get(pk=user.pk))
    failures = []
    for round_number in range(1, args.rounds + 1):
        day = timezone.localdate() + timedelta(days=300 + round_number + 7 * (os.getpid() % 40))
        session = services.schedule_session(
            data=services.SessionData(
                advisor=advisor,
                topic=advisor.topics.first(),
                language=Language.objects.first(),
                mode=SessionMode.VIDEO,
                service_point=None,
                room="",
                room_capacity=None,
                day=day,
                start_time=clock(19, 30),
                duration_minutes=60,
                capacity=20,
                max_party_size=5,
                deadline_hours=1,
                waitlist_enabled=False,
                description="",
                materials_url="",
            ),
            by=advisor.user,
        )
        barrier = threading.Barrier(args.threads)
        outcomes, refusals, lock = Counter(), [], threading.Lock()

        def run(indexes, session=session, barrier=barrier, outcomes=outcomes, refusals=refusals, lock=lock):
            try:
                barrier.wait(timeout=60)
                for n in indexes:
                    started = time.monotonic()
                    try:
                        services.register(
                            session=session,
                            company=users[n].employer_profile.company,
                            by=users[n],
                            people=[
                                services.Person(f"P{k}", f"r{n}-{k}@example.org") for k in range(args.party)
                            ],
                        )
                        outcome = "registered"
                    except services.SessionError as error:
                        outcome = f"{error.status} {error.code}"
                        with lock:
                            refusals.append(time.monotonic() - started)
                    except Exception as error:
                        outcome = f"error {type(error).__name__}: {error}"
                    with lock:
                        outcomes[outcome] += 1
            finally:
                connection.close()

        shares = [list(range(i, args.companies, args.threads)) for i in range(args.threads)]
        threads = [threading.Thread(target=run, args=(share,)) for share in shares]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        elapsed = time.monotonic() - started
        session.refresh_from_db()
        seated = (
            Registration.objects.filter(session=session, status__in=Registration.SEATED).aggregate(
                n=Sum("seats")
            )["n"]
            or 0
        )
        p95 = percentile(refusals, 95)
        print(
            f"round {round_number}: {dict(outcomes)};"
            f" seats {session.seats_taken} (registrations: {seated}) of 20;"
            f" {elapsed:.2f} s; refusals p50 {percentile(refusals, 50) * 1000:.0f} ms"
            f" p95 {p95 * 1000:.0f} ms max {max(refusals or [0]) * 1000:.0f} ms"
        )
        if session.seats_taken != seated or seated > 20:
            failures.append(f"round {round_number}: seats {session.seats_taken} vs {seated}")
        if any(o.startswith("error") for o in outcomes):
            failures.append(f"round {round_number}: errors")
        if elapsed >= 5 or p95 >= 1:
            failures.append(f"round {round_number}: {elapsed:.2f} s, p95 refusal {p95:.2f} s")
        GroupSession.objects.filter(pk=session.pk).update(status=GroupSession.Status.CANCELLED)
    print("FAIL: " + "; ".join(failures) if failures else "OK")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
