#!/usr/bin/env bash
# Build tests/fixtures/upgrade_7768b6a.sql.gz: a database as a site running commit 7768b6a (the
# last commit before the packages were restructured, issue 17) has it, for tests/test_upgrade_path.py.
#
#   scripts/make_upgrade_fixture.sh [SERVER_URL]
#
# SERVER_URL is a PostgreSQL server (default postgres://postgres@127.0.0.1:5432); the script
# creates the database $FIXTURE_DB on it (default midi_upgrade_fixture; it must not exist), and
# drops it at the end. The code of 7768b6a is taken with `git archive` into a temporary folder (no
# checkout, no worktree) and run with this project's virtualenv ($PYTHON, default .venv/bin/python):
# `migrate` (which also creates the content types and permissions of every model), `seed_network
# --demo-users`, `seed_load` at a small size, then the Python below, still with the OLD code, adds
# what seed_load does not make: routing decisions (the routing service), proposed times, reminders,
# waitlist entries with a held time, role changes, an unsent task, a permission given through a
# moved model's content type and an admin log entry about a moved model. The dump is plain SQL
# without owners or privileges, gzipped without a timestamp. pg_dump 15.14 and later (and the
# same-month releases of the other branches) write \restrict lines: loading the dump then needs a
# psql at least as recent.
#
# Regenerate it only if the fixture must hold something new: its point is to stay what 7768b6a
# wrote. Commit the script and the fixture together.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_COMMIT=7768b6a
server="${1:-postgres://postgres@127.0.0.1:5432}"
db="${FIXTURE_DB:-midi_upgrade_fixture}"
python="${PYTHON:-.venv/bin/python}"
[[ "$python" = /* ]] || python="$PWD/$python"  # the old code runs from another folder
out="$PWD/tests/fixtures/upgrade_${BASE_COMMIT}.sql.gz"

old="$(mktemp -d)"
created=""
cleanup() {
  # Only a database this run created is dropped.
  [ -z "$created" ] || psql "$server/postgres" -qX -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null
  rm -rf "$old"
}
trap cleanup EXIT

git archive "$BASE_COMMIT" | tar -x -C "$old"
psql "$server/postgres" -qX -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$db\""
created=1

old_manage() {
  (cd "$old" && env DATABASE_URL="$server/$db" DEBUG=1 SECRET_KEY=upgrade-fixture-not-secret \
    CELERY_TASK_ALWAYS_EAGER=1 EMAIL_URL=dummymail:// REDIS_URL= "$python" manage.py "$@")
}

old_manage migrate --noinput -v 0
old_manage seed_network --demo-users
old_manage seed_load --appointments 120 --requests 30 --seed 17
old_manage shell -v 0 <<'PY'
from datetime import timedelta

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from accounts.models import User
from appointments.models import (
    Appointment,
    ConsultationRequest,
    ProposedTime,
    Reminder,
    RoutingDecision,
    SlotHold,
    WaitlistEntry,
)
from appointments.reminders import plan_reminders
from appointments.routing import route_request
from appointments.waitlist import WaitlistData, join
from midi_regions.models import RoleChange, UnsentTask
from midi_regions.queue import _keep
from midi_regions.role_audit import acting_as

now = timezone.now()
admin = User.objects.filter(is_superuser=True).order_by("pk").first()
future = Appointment.objects.filter(
    status=Appointment.Status.CONFIRMED, starts_at__gt=now + timedelta(days=3)
).select_related("advisor", "company", "topic", "municipality")

# Reminders of the next confirmed appointments, as booking plans them; one already sent.
for appointment in future.order_by("starts_at")[:8]:
    plan_reminders(appointment, now=now)
Reminder.objects.filter(pk=Reminder.objects.order_by("pk").values("pk")[:1]).update(
    status=Reminder.Status.SENT, sent_at=now, attempts=1
)

# New requests routed by the routing service: one RoutingDecision each (hop 1).
for model in ConsultationRequest.objects.filter(status="assigned").order_by("pk")[:6]:
    request = ConsultationRequest.objects.create(
        company=model.company,
        requested_by=model.requested_by,
        topic=model.topic,
        mode=model.mode,
        municipality=model.municipality,
        language=model.language,
        message="Demande de la fixture de mise à niveau",
    )
    route_request(request.pk, now=now)

# Times proposed by the adviser on three assigned requests.
for n, request in enumerate(
    ConsultationRequest.objects.filter(status="assigned", assigned_advisor__isnull=False)
    .select_related("assigned_advisor")
    .order_by("pk")[:3]
):
    advisor = request.assigned_advisor
    point = advisor.home_service_point_id if request.mode == "service_point" else None
    ProposedTime.objects.bulk_create(
        ProposedTime(
            request=request,
            advisor=advisor,
            service_point_id=point,
            starts_at=(now + timedelta(days=7 + n + day)).replace(hour=15, minute=0, second=0, microsecond=0),
        )
        for day in range(2)
    )
    request.status = ConsultationRequest.Status.PROPOSED
    request.accepted_at = now
    request.save(update_fields=["status", "accepted_at", "updated_at"])

# Companies waiting for a time; the first is offered one (an active hold), the second let one lapse.
entries = []
for appointment in future.order_by("-starts_at")[:4]:
    if any(e.company_id == appointment.company_id for e in entries):
        continue
    entries.append(
        join(
            company=appointment.company,
            user=appointment.company.representatives.first().user,
            data=WaitlistData(
                topic=appointment.topic,
                mode=appointment.mode,
                municipality=appointment.company.municipality,
                max_distance_km=100,
                language="",
                weekdays=[],
                time_of_day="any",
                until=None,
            ),
            now=now,
        )
    )
sample = future.order_by("starts_at").first()
start = sample.starts_at + timedelta(days=1)
SlotHold.objects.create(
    entry=entries[0],
    advisor=sample.advisor,
    service_point_id=sample.service_point_id,
    starts_at=start,
    ends_at=start + timedelta(hours=1),
    expires_at=now + timedelta(hours=2),
    created_at=now,
)
WaitlistEntry.objects.filter(pk=entries[0].pk).update(status=WaitlistEntry.Status.OFFERED)
SlotHold.objects.create(
    entry=entries[1],
    advisor=sample.advisor,
    service_point_id=sample.service_point_id,
    starts_at=start + timedelta(hours=2),
    ends_at=start + timedelta(hours=3),
    expires_at=now - timedelta(hours=1),
    created_at=now - timedelta(hours=3),
    status=SlotHold.Status.LAPSED,
    closed_at=now - timedelta(hours=1),
)

# A role change made by the administrator (seed_network already wrote the advisers' creation).
with acting_as(admin):
    promoted = User.objects.filter(is_staff=False, advisor__isnull=False).order_by("pk").first()
    promoted.is_staff = True
    promoted.save()

# A message the broker refused: the outbox keeps it by task name.
_keep("appointments.route_request", (entries[0].pk,), {}, ConnectionError("broker away (upgrade fixture)"))

# Permissions and admin history hang on the content types of the moved models.
moved = [ConsultationRequest, ProposedTime, RoutingDecision, WaitlistEntry, SlotHold, RoleChange, UnsentTask]
readers = Group.objects.create(name="Lecture des demandes (fixture)")
for model in moved:
    content_type = ContentType.objects.get_for_model(model)
    readers.permissions.add(Permission.objects.get(content_type=content_type, codename=f"view_{model._meta.model_name}"))
    row = model.objects.order_by("pk").first()
    LogEntry.objects.create(
        user=admin,
        content_type=content_type,
        object_id=str(row.pk),
        object_repr=str(row)[:200],
        action_flag=CHANGE,
        change_message="Modifié (fixture de mise à niveau)",
    )
manager = User.objects.filter(managed_directorate__isnull=False).order_by("pk").first()
manager.groups.add(readers)
manager.user_permissions.add(
    Permission.objects.get(content_type__app_label="appointments", codename="change_consultationrequest")
)

for model in moved:
    print(f"{model._meta.db_table}: {model.objects.count()} rows")
PY

pg_dump --no-owner --no-privileges --format=plain "$server/$db" | gzip -9n >"$out.partial"
mv "$out.partial" "$out"
echo "wrote $out ($(du -h "$out" | cut -f1))"
