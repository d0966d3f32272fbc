"""The directorate's audit trail: who changed which appointment or request, and why."""

import pytest
from django.test import Client
from django.urls import reverse

from appointments import services
from appointments.models import Mode
from consultations import routing
from consultations.models import ConsultationRequest
from tests.booking_helpers import book, tuesday

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


def test_the_manager_reads_who_did_what_and_why(bookable, employer_a, advisor, manager, other_manager):
    appointment = book(bookable, employer_a)
    services.reschedule_appointment(
        appointment=appointment,
        choice=services.SlotChoice(
            bookable.advisor_a.pk, bookable.advisor_a.home_service_point_id, tuesday(14)
        ),
        by=employer_a,
    )
    services.cancel_appointment(appointment=appointment, by=advisor, reason="Formation obligatoire")
    request = ConsultationRequest.objects.create(
        company=employer_a.employer_profile.company,
        requested_by=employer_a,
        topic=bookable.topic,
        mode=Mode.PHONE,
        municipality=bookable.municipality_a,
    )
    routing.route_request(request.pk)
    signed_in = Client()
    signed_in.force_login(advisor)
    assert (
        signed_in.post(
            reverse("advisors:time_off_add"),
            {"off-starts_at": "2026-12-07T08:00", "off-ends_at": "2026-12-07T17:00", "off-reason": "Congé"},
        ).status_code
        == 302
    )

    client = Client()
    client.force_login(manager)
    response = client.get(reverse("midi_regions:audit", kwargs={"code": bookable.directorate_a.code}))
    rows = response.context["rows"]
    assert [row["kind"] for row in rows].count("appointment") == 3  # booked, moved, cancelled
    (moved,) = [row for row in rows if row.get("moved_from")]
    assert (moved["moved_from"], moved["moved_to"]) == (tuesday(10, 30), tuesday(14))
    assert "10 h 30 → " in response.content.decode()
    cancelled = next(row for row in rows if row["reason"] == "Formation obligatoire")
    assert cancelled["by"]["name"] == (advisor.get_full_name() or advisor.email)
    assert any(row["kind"] == "request" and row["adviser"] == str(bookable.advisor_a) for row in rows)
    assert "Formation obligatoire" in response.content.decode()
    (change,) = [row for row in rows if row["kind"] == "availability"]
    assert (
        change["by"]["name"] == (advisor.get_full_name() or advisor.email)
        and "2026-12-07 08:00" in change["what"]
    )

    other = Client()
    other.force_login(other_manager)
    assert (
        other.get(reverse("midi_regions:audit", kwargs={"code": bookable.directorate_a.code})).status_code
        == 404
    )
    own = other.get(reverse("midi_regions:audit", kwargs={"code": bookable.directorate_b.code}))
    assert own.status_code == 200
    # Directorate B's own rows only: the role changes of setting it up (audit/tests/test_role_audit.py).
    assert {row["kind"] for row in own.context["rows"]} == {"role"}
