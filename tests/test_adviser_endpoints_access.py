"""Every adviser endpoint, tried by an anonymous visitor, an employer and another adviser.

Anonymous → the login page; an employer → 403; another adviser → 404 for anything naming this
adviser's rows (their existence is not the other's business) and nothing changed."""

import pytest
from django.test import Client
from django.urls import reverse

from advisors.models import AvailabilityException, TimeOff, WeeklyAvailability
from appointments.models import Appointment, Mode
from consultations.models import ConsultationRequest
from tests.booking_helpers import book, tuesday

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


@pytest.fixture
def rows(bookable, employer_a):
    advisor = bookable.advisor_a
    appointment = book(bookable, employer_a, advisor=advisor)
    request = ConsultationRequest.objects.create(
        company=employer_a.employer_profile.company,
        requested_by=employer_a,
        topic=bookable.topic,
        mode=Mode.SERVICE_POINT,
        municipality=bookable.municipality_a,
        status=ConsultationRequest.Status.ASSIGNED,
        assigned_advisor=advisor,
        hops=1,
    )
    block = WeeklyAvailability.objects.filter(advisor=advisor).first()
    exception = AvailabilityException.objects.create(
        advisor=advisor, date=tuesday(0).date(), kind="open", start_time="17:00", end_time="18:00"
    )
    time_off = TimeOff.objects.create(advisor=advisor, starts_at=tuesday(17), ends_at=tuesday(18))
    return {
        "appointment": appointment,
        "request": request,
        "block": block,
        "exception": exception,
        "off": time_off,
    }


def endpoints(rows):
    uid, req = rows["appointment"].uid, rows["request"].uid
    return [
        ("get", reverse("advisors:me"), False),
        ("get", reverse("advisors:calendar"), False),
        ("get", reverse("advisors:calendar_events") + "?start=2026-11-23&end=2026-11-30", False),
        ("get", reverse("advisors:availability"), False),
        ("post", reverse("advisors:block_add"), False),
        ("post", reverse("advisors:block_delete", args=[rows["block"].pk]), True),
        ("post", reverse("advisors:exception_add"), False),
        ("post", reverse("advisors:exception_delete", args=[rows["exception"].pk]), True),
        ("post", reverse("advisors:time_off_add"), False),
        ("post", reverse("advisors:time_off_delete", args=[rows["off"].pk]), True),
        ("post", reverse("advisors:meeting_link"), False),
        ("get", reverse("advisors:appointment", args=[uid]), True),
        ("post", reverse("advisors:appointment_action", args=[uid]), True),
        ("post", reverse("advisors:appointment_note", args=[uid]), True),
        ("get", reverse("advisors:appointment_reschedule", args=[uid]), True),
        ("post", reverse("advisors:appointment_reschedule_confirm", args=[uid]), True),
        ("post", reverse("advisors:regenerate_feed"), False),
        ("get", reverse("appointments:handle", args=[req]), True),
        ("post", reverse("appointments:decline", args=[req]), True),
    ]


def unchanged(rows):
    appointment = Appointment.objects.get(pk=rows["appointment"].pk)
    request = ConsultationRequest.objects.get(pk=rows["request"].pk)
    return (
        appointment.status == Appointment.Status.CONFIRMED
        and not appointment.notes.exists()
        and request.status == ConsultationRequest.Status.ASSIGNED
        and request.assigned_advisor_id == rows["request"].assigned_advisor_id
        and WeeklyAvailability.objects.filter(pk=rows["block"].pk).exists()
        and AvailabilityException.objects.filter(pk=rows["exception"].pk).exists()
        and TimeOff.objects.filter(pk=rows["off"].pk).exists()
    )


DATA = {"action": "cancel", "text": "intrus", "reason": "intrus"}


def test_anonymous_visitors_are_sent_to_the_login_page(rows):
    client = Client()
    for method, url, _own in endpoints(rows):
        response = getattr(client, method)(url, DATA)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url
    assert unchanged(rows)


def test_employers_are_refused(rows, employer_a):
    client = Client()
    client.force_login(employer_a)
    for method, url, _own in endpoints(rows):
        assert getattr(client, method)(url, DATA).status_code == 403, url
    assert unchanged(rows)


def test_another_adviser_finds_nothing_of_this_one(rows, other_advisor):
    client = Client()
    client.force_login(other_advisor)
    for method, url, own in endpoints(rows):
        response = getattr(client, method)(url, DATA)
        if own:
            assert response.status_code == 404, url
        else:  # their own page or their own empty form: never this adviser's data
            assert response.status_code in (200, 302, 400), url
            assert rows["appointment"].company.legal_name not in response.content.decode(), url
    assert unchanged(rows)
