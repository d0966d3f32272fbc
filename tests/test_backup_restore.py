"""Backup and restore (scripts/backup.sh, scripts/restore.sh): a seeded database dumped in pg_dump's
custom format and restored into a fresh database is the same database, and the service resumes on
it: due reminders are sent once, reminders already sent are not sent again, unrouted requests are
routed once.
"""

import hashlib
import subprocess
import sys
from collections import Counter
from datetime import timedelta

import psycopg
import pytest
from aiosmtpd.controller import Controller
from django.apps import apps
from django.db import connection
from django.utils import timezone

from appointments.models import Appointment, Mode, Reminder
from consultations.models import ConsultationRequest
from devtools.loadgen import seed_load
from midi_regions.seeding import seed_network
from tests.processes import ROOT, Sink, app_env, database_url, free_port

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# What the service runs after a restore, as the beat would: due reminders, then the routing sweep
# (overdue requests move on, requests still NEW are routed).
RESUME = (
    "from appointments.reminders import send_due_reminders;"
    "from consultations.routing import escalate_overdue;"
    "print(send_due_reminders(budget_seconds=20).sent, escalate_overdue())"
)


def seeded() -> dict:
    """The real network, a small load, and reminders and requests in every state; returns the
    reminders by state."""
    seed_network()
    seed_load(appointments=300, requests=60, seed=11)
    now = timezone.now()
    upcoming = list(
        Appointment.objects.filter(status=Appointment.Status.CONFIRMED, starts_at__gt=now + timedelta(days=2))
        .order_by("starts_at")
        .select_related("company")[:7]
    )
    assert len(upcoming) == 7
    Reminder.objects.filter(appointment__in=upcoming).delete()
    hour = timedelta(hours=1)
    due = [Reminder(appointment=a, kind=1440, scheduled_at=now - timedelta(minutes=1)) for a in upcoming[:3]]
    later = [Reminder(appointment=a, kind=120, scheduled_at=a.starts_at - 2 * hour) for a in upcoming[3:5]]
    sent = [
        Reminder(
            appointment=a,
            kind=2880,
            scheduled_at=now - timedelta(hours=3),
            status=Reminder.Status.SENT,
            sent_at=now - timedelta(hours=3),
            attempts=1,
        )
        for a in upcoming[5:7]
    ]
    failed = [
        Reminder(
            appointment=upcoming[0],
            kind=4320,
            scheduled_at=now - timedelta(days=1),
            status=Reminder.Status.FAILED,
            attempts=5,
            last_error="550 mailbox unavailable",
        )
    ]
    Reminder.objects.bulk_create(due + later + sent + failed)
    # A request whose routing message was lost before the backup: still NEW, ten minutes old.
    company = upcoming[0].company
    lost = ConsultationRequest.objects.create(
        company=company,
        topic=upcoming[0].topic,
        mode=Mode.PHONE,
        municipality=company.municipality,
        message="Routage perdu avant la sauvegarde",
    )
    ConsultationRequest.objects.filter(pk=lost.pk).update(created_at=now - timedelta(minutes=10))
    statuses = set(ConsultationRequest.objects.values_list("status", flat=True))
    assert {"new", "assigned", "booked"} <= statuses, statuses
    return {
        "due": {r.pk for r in Reminder.objects.filter(appointment__in=upcoming[:3], kind=1440)},
        "later": {r.pk for r in Reminder.objects.filter(appointment__in=upcoming[3:5], kind=120)},
        "sent": {r.pk for r in Reminder.objects.filter(status=Reminder.Status.SENT, kind=2880)},
    }


def snapshot(conninfo: str) -> dict:
    """Every table's row count, per-status counts and checksums of the rows that matter."""
    tables = sorted({m._meta.db_table for m in apps.get_models() if m._meta.managed and not m._meta.proxy})
    checks = {
        "appointments_appointment": "uid::text, status, extract(epoch from starts_at), advisor_id, sequence",
        "appointments_consultationrequest": "uid::text, status, hops, assigned_advisor_id, "
        "extract(epoch from created_at)",
        "appointments_reminder": "id, status, extract(epoch from scheduled_at), "
        "coalesce(extract(epoch from sent_at), 0), attempts",
        "appointments_routingdecision": "request_id, hop, reason, chosen_advisor_id",
    }
    found = {}
    with psycopg.connect(conninfo) as db, db.cursor() as cursor:
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            found[f"rows:{table}"] = cursor.fetchone()[0]
        for table, columns in checks.items():
            cursor.execute(f"SELECT {columns} FROM {table} ORDER BY 1, 2")
            found[f"sha:{table}"] = hashlib.sha256(repr(cursor.fetchall()).encode()).hexdigest()
            if table != "appointments_routingdecision":
                cursor.execute(f"SELECT status, count(*) FROM {table} GROUP BY status")
                found[f"status:{table}"] = dict(cursor.fetchall())
    return found


def conninfo(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def run(*command, env=None, timeout=120) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def rows(conninfo_: str, sql: str, *params) -> list[tuple]:
    with psycopg.connect(conninfo_) as db:
        return db.execute(sql, params).fetchall()


def test_a_backup_restores_into_a_fresh_database_and_the_service_resumes_without_duplicates(tmp_path):
    reminders = seeded()
    unrouted = set(ConsultationRequest.objects.filter(status="new").values_list("pk", flat=True))
    source = database_url(connection.settings_dict)
    target_name = f"midi_ops_restore_{free_port()}"
    target = database_url(connection.settings_dict, target_name)
    maintenance = conninfo(database_url(connection.settings_dict, "postgres"))
    connection.close()  # nothing of ours open on the source while it is dumped and compared

    sink = Sink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    env = app_env(
        DATABASE_URL=target,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        CELERY_TASK_ALWAYS_EAGER="1",  # the routing queued by the sweep runs in the same process
        CELERY_DATA_DIR=str(tmp_path / "celery"),
    )
    env.pop("REDIS_URL", None)
    try:
        archive = tmp_path / "midi.dump"
        printed = run("bash", "scripts/backup.sh", source, str(archive)).stdout.strip()
        assert printed == str(archive) and archive.stat().st_size > 0
        assert not list(tmp_path.glob("*.partial"))

        with psycopg.connect(maintenance, autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{target_name}"')
        run("bash", "scripts/restore.sh", str(archive), target)
        before = snapshot(conninfo(source))
        assert snapshot(conninfo(target)) == before
        assert before["rows:appointments_appointment"] >= 300 and before["rows:appointments_reminder"] >= 8

        # The service resumes on the restored database, as the beat would run it.
        run(sys.executable, "manage.py", "shell", "-c", RESUME, env=env)
        received = Counter(m["X-Reminder"] for m in sink.messages if m["X-Reminder"])
        assert received == Counter({str(pk): 1 for pk in reminders["due"]})  # once each, nothing else
        status = dict(rows(conninfo(target), "SELECT id, status FROM appointments_reminder"))
        assert {status[pk] for pk in reminders["due"]} == {"sent"}
        assert {status[pk] for pk in reminders["later"]} == {"pending"}
        sql = "SELECT id, sent_at FROM appointments_reminder WHERE id = ANY(%s) ORDER BY id"
        sent = sorted(reminders["sent"])
        assert rows(conninfo(target), sql, sent) == rows(conninfo(source), sql, sent)  # untouched
        sql = "SELECT request_id, hop FROM appointments_routingdecision WHERE request_id = ANY(%s)"
        assert sorted(rows(conninfo(target), sql, sorted(unrouted))) == sorted((pk, 1) for pk in unrouted)
        new = "SELECT count(*) FROM appointments_consultationrequest WHERE status = 'new'"
        assert rows(conninfo(target), new) == [(0,)]

        # The next beat run finds nothing more to do: no email, no decision.
        emails, after = len(sink.messages), snapshot(conninfo(target))
        run(sys.executable, "manage.py", "shell", "-c", RESUME, env=env)
        assert len(sink.messages) == emails
        assert snapshot(conninfo(target)) == after

        # Restoring again over the changed copy puts the backup back, exactly.
        run("bash", "scripts/restore.sh", str(archive), target)
        assert snapshot(conninfo(target)) == before
    finally:
        controller.stop()
        with psycopg.connect(maintenance, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{target_name}" WITH (FORCE)')
    assert snapshot(conninfo(source)) == before  # the backup changed nothing
