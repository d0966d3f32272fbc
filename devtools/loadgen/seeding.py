"""seed_load(): the network if missing, cloned advisers, companies, appointments and requests."""

import math
import time as time_module
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Company, EmployerProfile, User
from advisors.models import Advisor, WeeklyAvailability
from appointments.models import Appointment
from consultations.models import ConsultationRequest

from .advisers import ensure_network, scale_advisers
from .appointments import load_appointments
from .common import LOAD_APPOINTMENTS, LOAD_REQUESTS, LoadReport
from .companies import ensure_companies
from .consultation_requests import load_requests
from .sessions import load_sessions

APPOINTMENTS_PER_COMPANY = 20

ANALYZED_MODELS = [
    User,
    Company,
    EmployerProfile,
    Advisor,
    Advisor.service_points.through,
    Advisor.languages.through,
    Advisor.topics.through,
    WeeklyAvailability,
    Appointment,
    ConsultationRequest,
]


def load_request_count() -> int:
    return ConsultationRequest.objects.filter(**LOAD_REQUESTS).count()


def load_appointment_count() -> int:
    return Appointment.objects.filter(**LOAD_APPOINTMENTS).count()


def seed_load(
    *,
    appointments: int,
    requests: int = 0,
    sessions: int = 0,
    scale: int = 1,
    seed: int = 1,
    now: datetime | None = None,
) -> LoadReport:
    """Network (if missing) → cloned advisers → companies → appointments → requests, in one
    transaction."""
    if scale < 1:
        raise ValueError("scale must be 1 or more")
    if appointments < 0:
        raise ValueError("appointments must be 0 or more")
    if requests < 0:
        raise ValueError("requests must be 0 or more")
    started = time_module.perf_counter()
    now = now or timezone.now()
    report = LoadReport()
    with transaction.atomic():
        ensure_network(report)
        scale_advisers(scale, seed, report)
        existing_requests = _ensure_appointments(appointments, seed, report, now=now)
        _ensure_requests(requests, existing_requests, seed, report, now=now)
        if sessions:
            load_sessions(sessions, seed, report, now=now)
    if report.created and connection.vendor == "postgresql":
        _analyze(report)
    report.elapsed = time_module.perf_counter() - started
    return report


def _ensure_appointments(appointments: int, seed: int, report: LoadReport, *, now: datetime) -> int:
    """Load appointments unless as many are there already (then replaced, with the requests that
    point at them); returns how many load requests are left."""
    existing = load_appointment_count()
    existing_requests = load_request_count()
    if existing >= appointments:
        report.skipped_appointments = True
        if appointments:
            report.notes.append(
                f"the database already holds {existing} load appointments (≥ {appointments}): "
                "no appointment created"
            )
        return existing_requests
    ensure_companies(max(1, math.ceil(appointments / APPOINTMENTS_PER_COMPANY)), seed, report)
    if existing_requests:
        # They point at the appointments about to be replaced: replaced with them.
        ConsultationRequest.objects.filter(**LOAD_REQUESTS).delete()
        existing_requests = 0
    if existing:
        Appointment.objects.filter(**LOAD_APPOINTMENTS).delete()
        report.notes.append(f"replaced the {existing} load appointments already there")
    load_appointments(appointments, seed, report, now=now)
    return existing_requests


def _ensure_requests(
    requests: int, existing_requests: int, seed: int, report: LoadReport, *, now: datetime
) -> None:
    """Load requests unless as many are there already (then replaced)."""
    if existing_requests >= requests:
        if requests:
            report.notes.append(
                f"the database already holds {existing_requests} load consultation requests "
                f"(≥ {requests}): no request created"
            )
        return
    if existing_requests:
        ConsultationRequest.objects.filter(**LOAD_REQUESTS).delete()
        report.notes.append(f"replaced the {existing_requests} load consultation requests already there")
    load_requests(requests, seed, report, now=now)


def _analyze(report: LoadReport) -> None:
    """Fresh statistics for the planner, and (outside a transaction) a fresh visibility map for
    index-only scans (the dashboards' covering index): a bulk load leaves both stale until
    autovacuum comes by (never, where it is off)."""
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        for model in ANALYZED_MODELS:
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
    report.notes.append(f"{command} run on the loaded tables")
