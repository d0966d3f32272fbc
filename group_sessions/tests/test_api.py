"""The API of group sessions: the same services and role rules as the pages."""

import pytest
from django.urls import reverse

from group_sessions.models import GroupSession, Registration
from group_sessions.tests.helpers import employer, make_session, register
from tests.clients import bearer, post, signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


def body(*emails, waitlist=False):
    return {"participants": [{"name": e.split("@")[0], "email": e} for e in emails], "waitlist": waitlist}


def test_anyone_lists_upcoming_sessions_with_filters(bookable):
    make_session(bookable)
    rows = signed_in(None).get(reverse("api:group-session-list") + "?mode=video").json()
    assert rows["count"] == 0
    rows = signed_in(None).get(reverse("api:group-session-list")).json()
    assert rows["count"] == 1 and rows["results"][0]["seats_left"] == 20


def test_an_employer_registers_and_a_full_session_is_a_409(bookable, employer_a):
    session = make_session(bookable, capacity=2)
    url = reverse("api:group-session-register", kwargs={"uid": session.uid})
    created = post(bearer(employer_a), url, body("a@example.org", "b@example.org"))
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "confirmed"
    refused = post(bearer(employer(bookable)), url, body("c@example.org"))
    assert refused.status_code == 409 and refused.json()["code"] == "full"
    waiting = post(bearer(employer(bookable)), url, body("d@example.org", waitlist=True))
    assert waiting.status_code == 201 and waiting.json()["status"] == "waitlisted"


def test_the_company_changes_and_cancels_its_registration_and_nobody_elses(bookable, employer_a, employer_b):
    session = make_session(bookable, capacity=5)
    registration = register(session, employer_a, 2)
    url = reverse("api:group-registration-participants", kwargs={"uid": registration.uid})
    assert post(bearer(employer_b), url, body("x@example.org")).status_code == 404
    changed = post(bearer(employer_a), url, body("x@example.org"))
    assert changed.status_code == 200 and changed.json()["seats"] == 1
    cancel = reverse("api:group-registration-cancel", kwargs={"uid": registration.uid})
    assert post(bearer(employer_a), cancel).json()["status"] == "cancelled"
    assert post(bearer(employer_a), cancel).status_code == 409
    session.refresh_from_db()
    assert session.seats_taken == 0


def test_a_presenter_schedules_a_series_and_another_directorate_cannot_touch_it(
    bookable, advisor, other_advisor
):
    from group_sessions.tests.helpers import THURSDAY, french

    data = {
        "presenter": bookable.advisor_a.pk,
        "topic": bookable.topic.code,
        "language": french().code,
        "mode": "video",
        "day": THURSDAY.isoformat(),
        "start_time": "18:00",
        "duration_minutes": 60,
        "capacity": 30,
        "every_weeks": 2,
        "occurrences": 3,
    }
    created = post(bearer(advisor), reverse("api:managed-group-session-list"), data)
    assert created.status_code == 201, created.json()
    assert len(created.json()) == 3
    again = post(bearer(advisor), reverse("api:managed-group-session-list"), data)
    assert again.status_code == 409 and again.json()["code"] == "series_conflicts"
    session = GroupSession.objects.first()
    capacity = reverse("api:managed-group-session-capacity", kwargs={"uid": session.uid})
    assert post(bearer(other_advisor), capacity, {"capacity": 10}).status_code == 404
    assert post(bearer(advisor), capacity, {"capacity": 10}).json()["capacity"] == 10
    assert not Registration.objects.exists()
