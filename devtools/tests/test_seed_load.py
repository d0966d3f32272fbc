"""seed_load: cloned advisers and synthetic appointments that obey the calendars' rules."""

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from io import StringIO

from django.core.management import call_command

from accounts.models import Company, EmployerProfile, User
from advisors.models import Advisor
from appointments.models import Appointment
from consultations.models import ConsultationRequest
from core.business_hours import is_holiday, local_zone
from devtools.loadgen import seed_load
from midi_regions.seeding import seed_network

# Early March: the past window crosses the November DST change, the future one the March change.
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def snapshot() -> dict:
    return {
        "users": User.objects.count(),
        "advisers": Advisor.objects.count(),
        "companies": Company.objects.count(),
        "appointments": sorted(Appointment.objects.values_list("uid", "starts_at", "status")),
    }


def test_a_small_load_obeys_the_calendars_and_is_idempotent(db):
    seed_network()
    report = seed_load(appointments=300, scale=2, seed=7, now=NOW)

    real = list(Advisor.objects.exclude(user__email__endswith="@load.example").order_by("pk"))
    clones = Advisor.objects.filter(user__email__endswith="@load.example")
    assert len(real) == 55
    assert clones.count() == 55
    assert report.created["advisers"] == 55
    first = Advisor.objects.get(user__email="load-adviser-1@load.example")
    assert not first.user.has_usable_password()
    assert first.home_service_point_id == real[0].home_service_point_id
    for relation in ("service_points", "topics", "languages"):
        assert set(getattr(first, relation).all()) == set(getattr(real[0], relation).all())
    assert set(
        first.weekly_availability.values_list("weekday", "start_time", "end_time", "service_point")
    ) == set(real[0].weekly_availability.values_list("weekday", "start_time", "end_time", "service_point"))

    load = Company.objects.filter(neq__startswith="9")
    assert load.count() == 15  # one company per 20 appointments
    assert all(len(neq) == 10 for neq in load.values_list("neq", flat=True))
    assert (
        EmployerProfile.objects.filter(company__in=load, user__email__startswith="load-employer-").count()
        == 15
    )
    appointments = list(Appointment.objects.filter(company__in=load).select_related("advisor", "topic"))
    assert len(appointments) == 300

    tz = local_zone()
    blocks = defaultdict(list)
    for advisor in Advisor.objects.prefetch_related("weekly_availability", "topics"):
        for w in advisor.weekly_availability.all():
            blocks[advisor.pk, w.weekday].append((w.start_time, w.end_time, w.service_point_id))
    topics = {a.pk: {t.pk for t in a.topics.all()} for a in Advisor.objects.prefetch_related("topics")}
    active_by_advisor = defaultdict(list)
    per_day = defaultdict(int)
    past = future = 0
    for a in appointments:
        start, end = a.starts_at.astimezone(tz), a.ends_at.astimezone(tz)
        assert start.date() == end.date()
        assert not is_holiday(start.date())
        assert a.ends_at - a.starts_at == timedelta(minutes=a.topic.duration_minutes)
        assert a.topic_id in topics[a.advisor_id]
        # Inside one weekly block of that weekday, in local wall-clock time, at that block's place.
        assert any(
            s <= start.time() and end.time() <= e and a.service_point_id == point
            for s, e, point in blocks[a.advisor_id, start.weekday()]
        ), (a.advisor_id, start)
        if a.service_point_id is None:
            assert a.mode in ("phone", "video")
        if a.ends_at <= NOW:
            past += 1
            assert a.status in ("completed", "no_show", "cancelled")
        else:
            future += 1
            assert a.status in ("confirmed", "cancelled")
        assert NOW - timedelta(days=200) < a.starts_at < NOW + timedelta(days=61)
        if a.is_active:
            active_by_advisor[a.advisor_id].append(a)
            per_day[a.advisor_id, start.date()] += 1
    assert 0.6 * 300 < past < 0.9 * 300
    assert future > 0

    for items in active_by_advisor.values():
        items.sort(key=lambda a: a.starts_at)
        for before, after in zip(items, items[1:], strict=False):
            gap = before.advisor.buffer_after_minutes + before.advisor.buffer_before_minutes
            assert before.ends_at + timedelta(minutes=gap) <= after.starts_at, (before.pk, after.pk)
    advisers = {a.pk: a for a in Advisor.objects.all()}
    for (advisor_id, _day), n in per_day.items():
        assert n <= advisers[advisor_id].max_appointments_per_day

    before = snapshot()
    out = StringIO()
    call_command("seed_load", "--appointments", "300", "--scale", "2", "--seed", "7", stdout=out)
    assert "Nothing to create" in out.getvalue()
    assert "already holds 300 load appointments" in out.getvalue()
    assert snapshot() == before


def test_load_requests_cover_every_routing_state_and_are_idempotent(db):
    seed_network()
    seed_load(appointments=300, requests=400, seed=7, now=NOW)

    load = ConsultationRequest.objects.filter(company__neq__startswith="9").select_related(
        "appointment",
        "company__municipality__region",
        "assigned_advisor__home_service_point__municipality__region",
    )
    rows = list(load)
    assert len(rows) == 400
    by_status = Counter(r.status for r in rows)
    assert set(by_status) == {"booked", "withdrawn", "assigned", "proposed", "manager"}
    assert by_status["booked"] > 0.6 * 400
    linked = [r for r in rows if r.appointment_id]
    assert len(linked) > 0.5 * 400
    assert len({r.appointment_id for r in linked}) == len(linked)
    for r in rows:
        assert NOW - timedelta(days=210) < r.created_at <= NOW
        assert r.requested_by.email.startswith("load-employer-")
        assert r.municipality_id == r.company.municipality_id
        if r.appointment_id:
            a = r.appointment
            assert r.status == "booked" and a.is_active
            assert (a.company_id, a.topic_id, a.mode, a.advisor_id) == (
                r.company_id,
                r.topic_id,
                r.mode,
                r.assigned_advisor_id,
            )
            assert r.created_at <= a.created_at <= NOW and r.created_at < a.starts_at
            assert r.created_at <= r.accepted_at <= a.created_at
        elif r.assigned_advisor_id:
            # Routed near the company: an adviser of its directorate.
            assert (
                r.assigned_advisor.home_service_point.municipality.region.directorate_id
                == r.company.municipality.region.directorate_id
            )
        if r.status in ("assigned", "proposed", "booked"):
            assert 1 <= r.hops <= 3 and r.assigned_advisor_id and r.due_at and r.assigned_at
            assert r.topic_id in set(r.assigned_advisor.topics.values_list("pk", flat=True))
        if r.status == "manager":
            assert r.assigned_advisor_id is None and r.assigned_manager_id and r.due_at is None
        if r.status in ("assigned", "proposed"):
            assert r.created_at > NOW - timedelta(days=11)
    waiting = [r for r in rows if r.status == "assigned"]
    overdue = [r for r in waiting if r.due_at < NOW]
    assert 0 < len(overdue) < len(waiting)
    # Load appointments carry a booking date before they start (and before any cancellation).
    for a in Appointment.objects.filter(company__neq__startswith="9"):
        assert a.created_at <= min(NOW, a.starts_at)
        if a.cancelled_at:
            assert a.created_at < a.cancelled_at

    before = sorted(load.values_list("uid", "status", "appointment_id"))
    out = StringIO()
    call_command("seed_load", "--appointments", "300", "--requests", "400", "--seed", "7", stdout=out)
    assert "already holds 400 load consultation requests" in out.getvalue()
    assert sorted(load.values_list("uid", "status", "appointment_id")) == before

    call_command("seed_load", "--appointments", "300", "--requests", "500", "--seed", "7", stdout=out)
    assert load.all().count() == 500
    assert "replaced the 400 load consultation requests" in out.getvalue()
