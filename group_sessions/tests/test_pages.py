"""The pages of group sessions, from each side: the public list and page, registering, the signed
link, and the presenter's and manager's pages."""

from datetime import time, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from group_sessions import links
from group_sessions.models import GroupSession, Registration
from group_sessions.tests.helpers import THURSDAY, employer, french, make_session, register
from tests.clients import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


def participants(*pairs):
    body = {}
    for n, (name, email) in enumerate(pairs):
        body[f"name_{n}"], body[f"email_{n}"] = name, email
    return body


def test_the_public_list_needs_no_sign_in_and_filters(bookable):
    make_session(bookable)
    make_session(bookable, mode="video", service_point=None, start_time=time(9))
    client = signed_in(None)
    page = client.get(reverse("group_sessions:list"))
    assert page.status_code == 200
    assert page.content.decode().count('class="card"') == 2
    by_video = client.get(reverse("group_sessions:list") + "?mode=video")
    assert by_video.content.decode().count('class="card"') == 1
    nowhere = client.get(reverse("group_sessions:list") + "?region=06")
    assert nowhere.content.decode().count('class="card"') == 1  # video sessions reach every region
    assert client.get(reverse("group_sessions:list") + "?topic=nothing").status_code == 200


def test_an_anonymous_visitor_is_asked_to_sign_in_to_register(bookable):
    session = make_session(bookable)
    page = signed_in(None).get(reverse("group_sessions:detail", kwargs={"uid": session.uid}))
    assert "Ouvrir une session pour s’inscrire" in page.content.decode()


def test_an_employer_registers_participants_and_lands_on_the_registration(bookable, employer_a):
    session = make_session(bookable)
    url = reverse("group_sessions:register", kwargs={"uid": session.uid})
    response = signed_in(employer_a).post(
        url, participants(("Annie Gélinas", "annie@example.org"), ("Marc Roy", "marc@example.org"))
    )
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert response["Location"].endswith(links.manage_token(registration) + "/")
    assert registration.seats == 2
    assert {m.to[0] for m in mail.outbox} == {employer_a.email, "annie@example.org", "marc@example.org"}


def test_a_full_session_answers_409_with_the_seats_left(bookable, employer_a):
    session = make_session(bookable, capacity=2)
    register(session, employer(bookable), 1)
    response = signed_in(employer_a).post(
        reverse("group_sessions:register", kwargs={"uid": session.uid}),
        participants(("A", "a@example.org"), ("B", "b@example.org")),
    )
    assert response.status_code == 409
    assert "il reste 1 places" in response.content.decode() or "1 places" in response.content.decode()


def test_a_row_with_an_email_but_no_name_is_a_form_error(bookable, employer_a):
    session = make_session(bookable)
    response = signed_in(employer_a).post(
        reverse("group_sessions:register", kwargs={"uid": session.uid}), participants(("", "a@example.org"))
    )
    assert response.status_code == 400
    assert not Registration.objects.exists()


def test_the_signed_link_changes_participants_and_cancels_after_a_confirmation_step(bookable):
    session = make_session(bookable, capacity=5)
    registration = register(session, employer(bookable), 2)
    token = links.manage_token(registration)
    client = signed_in(None)
    manage = reverse("group_sessions:manage", kwargs={"token": token})
    assert client.get(manage).status_code == 200
    assert client.post(manage, participants(("Solo", "solo@example.org"))).status_code == 302
    session.refresh_from_db()
    assert session.seats_taken == 1
    cancel = reverse("group_sessions:manage_cancel", kwargs={"token": token})
    assert client.get(cancel).status_code == 200
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED  # the GET wrote nothing
    assert client.post(cancel).status_code == 302
    registration.refresh_from_db()
    session.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED and session.seats_taken == 0
    assert client.post(cancel).status_code == 409  # once


def test_a_forged_link_is_404(bookable):
    assert signed_in(None).get(reverse("group_sessions:manage", kwargs={"token": "nope"})).status_code == 404


def test_the_waitlisted_company_takes_the_offered_seats_by_its_link(bookable):
    session = make_session(bookable, capacity=1)
    seated = register(session, employer(bookable), 1)
    waiting = register(session, employer(bookable), 1, waitlist=True)
    signed_in(None).post(
        reverse("group_sessions:manage_cancel", kwargs={"token": links.manage_token(seated)})
    )
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.OFFERED
    token = links.manage_token(waiting)
    page = signed_in(None).get(reverse("group_sessions:manage", kwargs={"token": token}))
    assert "Prendre les places" in page.content.decode()
    offer = reverse("group_sessions:manage_offer", kwargs={"token": token})
    assert signed_in(None).post(offer, {"action": "confirm"}).status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED
    assert signed_in(None).post(offer, {"action": "confirm"}).status_code == 410


def _form(bookable, **changes):
    body = {
        "advisor": bookable.advisor_a.pk,
        "topic": bookable.topic.pk,
        "language": french().pk,
        "mode": "service_point",
        "service_point": bookable.point_a.pk,
        "room": "Salle 2",
        "room_capacity": 30,
        "day": THURSDAY.isoformat(),
        "start_time": "13:30",
        "duration_minutes": 90,
        "capacity": 20,
        "max_party_size": 4,
        "deadline_hours": 24,
        "waitlist_enabled": "on",
        "description": "",
        "materials_url": "",
        "repeat": "",
        "occurrences": "",
    }
    body.update(changes)
    return body


def test_an_adviser_schedules_a_series_in_one_action(bookable, advisor):
    response = signed_in(advisor).post(
        reverse("group_sessions:staff_new"), _form(bookable, repeat="2", occurrences="4")
    )
    assert response.status_code == 302
    starts = list(GroupSession.objects.values_list("starts_at", flat=True))
    assert len(starts) == 4 and starts[1] - starts[0] == timedelta(days=14)


def test_an_adviser_cannot_schedule_for_someone_else(bookable, advisor):
    response = signed_in(advisor).post(
        reverse("group_sessions:staff_new"), _form(bookable, advisor=bookable.advisor_b.pk)
    )
    assert response.status_code == 400
    assert not GroupSession.objects.exists()


def test_a_manager_schedules_for_an_adviser_of_the_directorate(bookable, manager, other_manager):
    assert signed_in(manager).post(reverse("group_sessions:staff_new"), _form(bookable)).status_code == 302
    refused = signed_in(other_manager).post(
        reverse("group_sessions:staff_new"), _form(bookable, start_time="09:00")
    )
    assert refused.status_code == 400  # adviser A is not in their directorate


def test_capacity_below_the_registered_lists_who_would_not_fit(bookable, advisor):
    session = make_session(bookable, capacity=10)
    register(session, employer(bookable), 4)
    late = register(session, employer(bookable), 4)
    response = signed_in(advisor).post(
        reverse("group_sessions:staff_capacity", kwargs={"uid": session.uid}), {"capacity": 5}
    )
    assert response.status_code == 409
    assert late.company.legal_name in response.content.decode()


def test_the_presenter_sees_registrants_marks_attendance_and_cancels(bookable, advisor, frozen_now):
    session = make_session(bookable)
    registration = register(session, employer(bookable), 2)
    client = signed_in(advisor)
    page = client.get(reverse("group_sessions:staff_detail", kwargs={"uid": session.uid}))
    assert registration.company.legal_name in page.content.decode()
    first, second = registration.participants.all()
    frozen_now.move_to(session.starts_at + timedelta(minutes=10))
    marked = client.post(
        reverse("group_sessions:staff_attendance", kwargs={"uid": session.uid}),
        {f"attendance_{first.pk}": "present", f"attendance_{second.pk}": "absent"},
    )
    assert marked.status_code == 302
    first.refresh_from_db()
    assert first.attendance == "present"


def test_cancelling_a_session_from_its_page_tells_everyone(bookable, advisor):
    session = make_session(bookable)
    register(session, employer(bookable), 2)
    mail.outbox.clear()
    response = signed_in(advisor).post(
        reverse("group_sessions:staff_cancel", kwargs={"uid": session.uid}), {"reason": "Tempête de neige"}
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 3
    assert all("Tempête de neige" in m.body for m in mail.outbox)


def test_the_booking_page_offers_the_topics_sessions(bookable, employer_a):
    from tests.booking_helpers import search_params

    slots = reverse("appointments:slots")
    page = signed_in(employer_a).get(slots, search_params(bookable))
    assert "séance d’information" not in page.content.decode()
    make_session(bookable)
    page = signed_in(employer_a).get(slots, search_params(bookable))
    assert "1 séance d’information de groupe sur ce sujet" in page.content.decode()
    assert reverse("group_sessions:list") + f"?topic={bookable.topic.code}" in page.content.decode()
