"""Law 25: past appointments' personal details are blanked once PERSONAL_DATA_RETENTION_DAYS
have passed since they ended; the rows and everything the statistics read stay."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db.models import Q

from appointments.models import Appointment, AppointmentEvent, AppointmentNote, Mode, Reminder
from consultations.models import ConsultationRequest, RoutingDecision
from dashboards import selectors as dashboard
from feedback.models import Survey
from privacy import services as privacy
from privacy import tasks
from tests.booking_helpers import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

ROOT = Path(__file__).resolve().parents[2]


def consultation(network, employer, *, ended_days_ago, status=Appointment.Status.COMPLETED):
    """A past appointment with every kind of free text, its trail, note, reminder and request."""
    ends_at = NOW - timedelta(days=ended_days_ago)
    company = employer.employer_profile.company
    appointment = Appointment.objects.create(
        advisor=network.advisor_a,
        topic=network.topic,
        mode=Mode.SERVICE_POINT,
        service_point=network.point_a,
        company=company,
        booked_by=employer,
        municipality=network.municipality_a,
        starts_at=ends_at - timedelta(hours=1),
        ends_at=ends_at,
        status=status,
        message="Nous voulons embaucher M. Tremblay, soudeur",
        cancellation_reason="Mon associé est hospitalisé" if status == Appointment.Status.CANCELLED else "",
    )
    AppointmentEvent.objects.create(
        appointment=appointment,
        action=AppointmentEvent.Action.REASSIGNED,
        actor=network.directorate_a.manager,
        starts_at=appointment.starts_at,
        reason="A → B – la conseillère connaît la famille",
    )
    AppointmentNote.objects.create(
        appointment=appointment, author=network.advisor_a.user, text="Dossier CSQ de M. Tremblay"
    )
    Reminder.objects.create(
        appointment=appointment,
        kind=120,
        scheduled_at=appointment.starts_at - timedelta(hours=2),
        status=Reminder.Status.FAILED,
        last_error=f"550 <{employer.email}>: Recipient address rejected",
    )
    request = ConsultationRequest.objects.create(
        company=company,
        requested_by=employer,
        topic=network.topic,
        mode=Mode.PHONE,
        municipality=network.municipality_a,
        message="Rappelez-moi au 819 555-0101",
        status=ConsultationRequest.Status.BOOKED,
        assigned_advisor=network.advisor_a,
        appointment=appointment,
    )
    RoutingDecision.objects.create(
        request=request,
        hop=1,
        reason=RoutingDecision.Reason.DECLINED,
        chosen_advisor=network.advisor_a,
        note="Je connais personnellement le propriétaire",
    )
    Survey.objects.create(
        appointment=appointment,
        recipient=employer,
        invited_at=ends_at,
        satisfaction=4,
        outcome=Survey.Outcome.PARTLY,
        comment="Merci à Mme Gélinas, mais mon dossier CSQ traîne",
        answered_at=ends_at,
        changed_at=ends_at,
    )
    return appointment


def withdrawn_request(network, employer, *, days_ago, status=ConsultationRequest.Status.WITHDRAWN):
    request = ConsultationRequest.objects.create(
        company=employer.employer_profile.company,
        requested_by=employer,
        topic=network.topic,
        mode=Mode.PHONE,
        municipality=network.municipality_a,
        message="Mon cellulaire : 819 555-0199",
        status=status,
    )
    # updated_at is automatic: set it as it would be after that many days of silence.
    ConsultationRequest.objects.filter(pk=request.pk).update(updated_at=NOW - timedelta(days=days_ago))
    return request


def free_text(appointment) -> dict:
    appointment.refresh_from_db()
    request = appointment.request
    return {
        "message": appointment.message,
        "cancellation_reason": appointment.cancellation_reason,
        "event": appointment.events.get().reason,
        "note": appointment.notes.get().text,
        "reminder": appointment.reminders.get().last_error,
        "request": request.message,
        "decision": request.decisions.get().note,
        "survey": appointment.survey.comment,
    }


def what_statistics_read(appointment) -> tuple:
    appointment.refresh_from_db()
    return (
        appointment.status,
        appointment.starts_at,
        appointment.ends_at,
        appointment.topic_id,
        appointment.mode,
        appointment.advisor_id,
        appointment.municipality_id,
        appointment.company_id,
        appointment.booked_by_id,
        appointment.request.status,
        appointment.request.updated_at,
        appointment.events.get().action,
        appointment.notes.count(),
        (appointment.survey.satisfaction, appointment.survey.outcome, appointment.survey.answered_at),
    )


def figures_around(administrator, day):
    catalogue = dashboard.Catalogue.for_user(administrator, None)
    start, end = day - timedelta(days=60), day + timedelta(days=60)
    form = dashboard.FilterForm({"start": start.isoformat(), "end": end.isoformat()}, catalogue=catalogue)
    assert form.is_valid(), form.errors
    return dashboard.figures(form.filters(), catalogue=catalogue)


def test_the_default_keeps_two_years():
    assert django_settings.PERSONAL_DATA_RETENTION_DAYS == 730


def test_expired_details_are_blanked_and_recent_ones_kept(network, employer_a, settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 730
    old = consultation(network, employer_a, ended_days_ago=731, status=Appointment.Status.CANCELLED)
    recent = consultation(network, employer_a, ended_days_ago=729)
    old_request = withdrawn_request(network, employer_a, days_ago=800)
    recent_request = withdrawn_request(network, employer_a, days_ago=100)
    forgotten = withdrawn_request(
        network, employer_a, days_ago=800, status=ConsultationRequest.Status.MANAGER
    )
    kept_recent = free_text(recent)
    statistics = what_statistics_read(old)

    # Old: message + reason (1 row), event, note, reminder, survey comment, request, decision; the
    # old withdrawn request.
    assert privacy.purge_expired_personal_details() == 8

    assert free_text(old) == dict.fromkeys(kept_recent, "")
    assert what_statistics_read(old) == statistics
    assert free_text(recent) == kept_recent
    old_request.refresh_from_db()
    recent_request.refresh_from_db()
    forgotten.refresh_from_db()
    assert old_request.message == "" and old_request.status == ConsultationRequest.Status.WITHDRAWN
    assert recent_request.message == "Mon cellulaire : 819 555-0199"
    assert forgotten.message != ""  # still open, with the regional manager: still being worked on


def test_a_second_run_changes_nothing_in_a_constant_number_of_queries(
    network, employer_a, django_assert_num_queries
):
    for days in (800, 900, 1000):
        consultation(network, employer_a, ended_days_ago=days)
    with django_assert_num_queries(7):
        assert privacy.purge_expired_personal_details() == 3 * 7
    with django_assert_num_queries(7):
        assert privacy.purge_expired_personal_details() == 0


def test_the_setting_decides_how_long_details_are_kept(network, employer_a, settings):
    appointment = consultation(network, employer_a, ended_days_ago=40)
    settings.PERSONAL_DATA_RETENTION_DAYS = 41
    assert privacy.purge_expired_personal_details() == 0
    settings.PERSONAL_DATA_RETENTION_DAYS = 39
    assert privacy.purge_expired_personal_details() == 7
    assert set(free_text(appointment).values()) == {""}


def test_a_controlled_clock_moves_the_limit(network, employer_a, frozen_now):
    appointment = consultation(network, employer_a, ended_days_ago=700)
    assert privacy.purge_expired_personal_details() == 0
    frozen_now.shift(timedelta(days=31))
    assert privacy.purge_expired_personal_details() == 7
    assert privacy.purge_expired_personal_details(now=NOW + timedelta(days=31)) == 0  # already done
    assert free_text(appointment)["message"] == ""


def test_the_dashboard_figures_do_not_change(network, employer_a, administrator, settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 30
    consultation(network, employer_a, ended_days_ago=40)
    consultation(network, employer_a, ended_days_ago=45, status=Appointment.Status.CANCELLED)
    consultation(network, employer_a, ended_days_ago=50, status=Appointment.Status.NO_SHOW)
    withdrawn_request(network, employer_a, days_ago=45)
    day = (NOW - timedelta(days=45)).date()
    before = figures_around(administrator, day)
    assert before["appointments"]["total"] == 3
    assert privacy.purge_expired_personal_details() > 0
    assert figures_around(administrator, day) == before


def test_the_daily_task_runs_the_purge(network, employer_a):
    consultation(network, employer_a, ended_days_ago=800)
    entry = django_settings.CELERY_BEAT_SCHEDULE["purge-expired-personal-details"]
    assert entry["task"] == tasks.purge_expired_personal_details.name
    assert tasks.purge_expired_personal_details.delay().get() == 7
    assert not Appointment.objects.filter(~Q(message="")).exists()


@pytest.mark.parametrize("value", ["0", "-5", "deux ans"])
def test_a_bad_retention_setting_stops_the_start(value):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DEBUG="1", PERSONAL_DATA_RETENTION_DAYS=value)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "PERSONAL_DATA_RETENTION_DAYS" in result.stderr or "invalid literal" in result.stderr
