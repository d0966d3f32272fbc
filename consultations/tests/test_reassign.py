"""Reassigning an open request or an upcoming appointment to another adviser of the directorate.

Who may: the regional manager of the directorate, or an administrator. Who may not: the manager
of another directorate (404: it is not their business), an adviser or an employer (403), an
anonymous visitor (login). Whom to: an active adviser of the directorate who knows the topic
(and, for an appointment, is free at that time). Nothing changes when it is refused.
"""

from datetime import timedelta

import icalendar
import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from advisors.models import TimeOff
from appointments import selectors, services
from appointments.models import Appointment, AppointmentEvent, Mode
from consultations import routing
from consultations import services as requests
from consultations.models import ConsultationRequest, RoutingDecision
from tests.booking_helpers import open_weekdays, tuesday
from tests.factories import AdvisorFactory, ServicePointFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


@pytest.fixture
def colleague(bookable):
    """A second adviser of directorate A, at the same point, with the topic, open on weekdays."""
    advisor = AdvisorFactory(home_service_point=bookable.point_a, knows=[bookable.topic])
    open_weekdays(advisor)
    return advisor


@pytest.fixture
def routed(bookable, employer_a):
    """A request of company A routed to adviser A (the nearest)."""
    consultation = requests.create_request(
        company=employer_a.employer_profile.company,
        user=employer_a,
        data=requests.RequestData(
            topic=bookable.topic,
            mode=Mode.SERVICE_POINT,
            municipality=bookable.municipality_a,
            language="fr",
            preferred_weekdays=[],
            preferred_time=ConsultationRequest.TimeOfDay.ANY,
            message="Recrutement de soudeurs",
        ),
    )
    consultation.refresh_from_db()
    assert consultation.assigned_advisor == bookable.advisor_a
    mail.outbox.clear()
    return consultation


def appointment_url(appointment, name="advisors:appointment"):
    return reverse(name, kwargs={"uid": appointment.uid})


def reassign_appointment_url(appointment):
    return appointment_url(appointment, "advisors:appointment_reassign")


def reassign_request_url(consultation):
    return reverse("appointments:reassign_request", kwargs={"uid": consultation.uid})


def form(advisor, reason=""):
    return {"reassign-advisor": advisor.pk, "reassign-reason": reason}


def ics_of(message) -> icalendar.Event:
    (attachment,) = [a for a in message.attachments if a[0].endswith(".ics")]
    return icalendar.Calendar.from_ical(attachment[1]).walk("VEVENT")[0]


def snapshot(appointment):
    appointment.refresh_from_db()
    return (
        appointment.advisor_id,
        appointment.service_point_id,
        appointment.sequence,
        appointment.events.count(),
    )


# Appointments: allowed --------------------------------------------------------------------------


def test_manager_reassigns_an_upcoming_appointment(
    client_for, booked, colleague, manager, advisor, employer_a, bookable
):
    services.confirm_appointment(appointment=booked, by=advisor)
    booked.refresh_from_db()
    mail.outbox.clear()
    sequence = booked.sequence

    response = client_for(manager).post(reassign_appointment_url(booked), form(colleague, "Congé de maladie"))

    assert response.status_code == 302 and response.url == appointment_url(booked)
    booked.refresh_from_db()
    assert booked.advisor == colleague
    assert booked.service_point_id == bookable.point_a.pk  # the new adviser serves it
    assert booked.sequence == sequence + 1
    assert booked.advisor_confirmed_at is None  # the new adviser has not confirmed yet
    assert (booked.starts_at, booked.status) == (tuesday(10, 30), Appointment.Status.CONFIRMED)
    event = booked.events.get(action=AppointmentEvent.Action.REASSIGNED)
    assert event.actor == manager
    assert "Congé de maladie" in event.reason
    assert str(bookable.advisor_a) in event.reason and str(colleague) in event.reason

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [employer_a.email, colleague.user.email, advisor.email]
    )
    (to_employer,) = [m for m in mail.outbox if m.to == [employer_a.email]]
    assert "conseiller pour votre rendez-vous" in to_employer.subject or "new adviser" in to_employer.subject
    ics = ics_of(to_employer)
    assert ics["SEQUENCE"] == sequence + 1
    assert str(colleague) in str(ics["DESCRIPTION"])
    assert "ORGANIZER" not in ics  # a copy for the employer's calendar (PUBLISH), not an invitation
    # The employer does not read the manager's reason; the advisers do.
    assert "Congé de maladie" not in to_employer.body
    (to_new,) = [m for m in mail.outbox if m.to == [colleague.user.email]]
    (to_previous,) = [m for m in mail.outbox if m.to == [advisor.email]]
    assert "Congé de maladie" in to_new.body and "Congé de maladie" in to_previous.body
    assert appointment_url(booked) in to_new.body
    assert appointment_url(booked) not in to_previous.body
    assert str(colleague) in to_previous.body

    # The new adviser opens it; the previous one no longer can.
    assert client_for(colleague.user).get(appointment_url(booked)).status_code == 200
    assert client_for(advisor).get(appointment_url(booked)).status_code == 404


def test_the_manager_sees_the_form_with_eligible_advisers_only(
    client_for, booked, colleague, manager, advisor, bookable
):
    no_topic = AdvisorFactory(home_service_point=bookable.point_a)
    inactive = AdvisorFactory(home_service_point=bookable.point_a, knows=[bookable.topic], is_active=False)

    page = client_for(manager).get(appointment_url(booked))

    choices = {a.pk for a in page.context["reassign_form"].fields["advisor"].queryset}
    assert choices == {colleague.pk}
    assert no_topic.pk not in choices and inactive.pk not in choices and bookable.advisor_b.pk not in choices
    assert reassign_appointment_url(booked) in page.content.decode()
    # The adviser acts on their appointment but does not reassign it.
    mine = client_for(advisor).get(appointment_url(booked))
    assert mine.context["reassign_form"] is None
    assert reassign_appointment_url(booked) not in mine.content.decode()


def test_an_administrator_reassigns_too(client_for, booked, colleague, administrator):
    response = client_for(administrator).post(reassign_appointment_url(booked), form(colleague))
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.advisor == colleague
    assert booked.events.get(action=AppointmentEvent.Action.REASSIGNED).actor == administrator


def test_the_meeting_moves_to_the_new_advisers_home_point_when_they_do_not_serve_it(
    booked, manager, bookable
):
    elsewhere = ServicePointFactory(code="shawinigan", municipality=bookable.municipality_a)
    colleague = AdvisorFactory(home_service_point=elsewhere, knows=[bookable.topic])
    open_weekdays(colleague)

    services.reassign_appointment(appointment=booked, to_advisor=colleague, by=manager)

    booked.refresh_from_db()
    assert booked.advisor == colleague and booked.service_point == elsewhere
    (to_employer,) = [m for m in mail.outbox if m.attachments]
    assert elsewhere.host_office in to_employer.body


def test_reminders_stay_planned_for_the_same_time(booked, colleague, manager):
    planned = sorted(booked.reminders.values_list("kind", "scheduled_at"))
    services.reassign_appointment(appointment=booked, to_advisor=colleague, by=manager)
    assert sorted(booked.reminders.values_list("kind", "scheduled_at")) == planned


# Appointments: refused --------------------------------------------------------------------------


def test_an_adviser_busy_at_that_time_is_refused(
    client_for, booked, colleague, manager, bookable, employer_b
):
    # 9:30–10:30 with the colleague (booked last week): their 15-minute buffer after it covers 10:30.
    Appointment.objects.create(
        advisor=colleague,
        topic=bookable.topic,
        mode=Mode.PHONE,
        company=employer_b.employer_profile.company,
        municipality=bookable.municipality_b,
        starts_at=tuesday(9, 30),
        ends_at=tuesday(10, 30),
    )
    mail.outbox.clear()
    before = snapshot(booked)

    response = client_for(manager).post(reassign_appointment_url(booked), form(colleague, "Surcharge"))

    assert response.status_code == 409
    assert (
        "autre rendez-vous" in response.content.decode() or "another appointment" in response.content.decode()
    )
    assert snapshot(booked) == before and mail.outbox == []


def test_an_adviser_on_time_off_is_refused(booked, colleague, manager):
    TimeOff.objects.create(advisor=colleague, starts_at=tuesday(8), ends_at=tuesday(17), reason="Formation")
    before = snapshot(booked)
    with pytest.raises(services.BookingError) as refused:
        services.reassign_appointment(appointment=booked, to_advisor=colleague, by=manager)
    assert refused.value.code == services.SLOT_UNAVAILABLE
    assert snapshot(booked) == before and mail.outbox == []


def test_an_adviser_who_does_not_work_then_is_refused(booked, manager, bookable):
    idle = AdvisorFactory(home_service_point=bookable.point_a, knows=[bookable.topic])  # no weekly hours
    with pytest.raises(services.BookingError) as refused:
        services.reassign_appointment(appointment=booked, to_advisor=idle, by=manager)
    assert refused.value.code == services.SLOT_UNAVAILABLE


def test_an_adviser_of_another_directorate_is_refused(client_for, booked, manager, bookable):
    before = snapshot(booked)
    response = client_for(manager).post(reassign_appointment_url(booked), form(bookable.advisor_b))
    assert response.status_code == 400  # not one of the choices
    with pytest.raises(services.BookingError) as refused:
        services.reassign_appointment(appointment=booked, to_advisor=bookable.advisor_b, by=manager)
    assert refused.value.code == services.NOT_ELIGIBLE
    assert snapshot(booked) == before and mail.outbox == []


def test_an_adviser_without_the_topic_is_refused(client_for, booked, manager, bookable):
    no_topic = AdvisorFactory(home_service_point=bookable.point_a)
    open_weekdays(no_topic)
    before = snapshot(booked)
    assert client_for(manager).post(reassign_appointment_url(booked), form(no_topic)).status_code == 400
    with pytest.raises(services.BookingError) as refused:
        services.reassign_appointment(appointment=booked, to_advisor=no_topic, by=manager)
    assert refused.value.code == services.NOT_ELIGIBLE
    assert snapshot(booked) == before and mail.outbox == []


def test_a_past_appointment_is_not_reassigned(client_for, booked, colleague, manager):
    before = snapshot(booked)
    with time_machine.travel(booked.starts_at + timedelta(minutes=5), tick=False):
        response = client_for(manager).post(reassign_appointment_url(booked), form(colleague))
        assert response.status_code == 409
        with pytest.raises(services.BookingError) as refused:
            services.reassign_appointment(appointment=booked, to_advisor=colleague, by=manager)
        assert refused.value.code == services.NOT_CHANGEABLE
    assert snapshot(booked) == before and mail.outbox == []


def test_a_cancelled_appointment_is_not_reassigned(booked, colleague, manager, employer_a):
    services.cancel_appointment(appointment=booked, by=employer_a)
    with pytest.raises(services.BookingError) as refused:
        services.reassign_appointment(appointment=booked, to_advisor=colleague, by=manager)
    assert refused.value.code == services.NOT_CHANGEABLE


def test_only_the_directorates_manager_or_an_administrator_may_reassign_an_appointment(
    client_for, booked, colleague, other_manager, advisor, other_advisor, employer_a
):
    before = snapshot(booked)
    url = reassign_appointment_url(booked)
    assert client_for(other_manager).post(url, form(colleague)).status_code == 404
    assert client_for(other_manager).get(appointment_url(booked)).status_code == 404
    assert client_for(advisor).post(url, form(colleague)).status_code == 403
    assert client_for(other_advisor).post(url, form(colleague)).status_code == 403
    assert client_for(colleague.user).post(url, form(colleague)).status_code == 403
    assert client_for(employer_a).post(url, form(colleague)).status_code == 403
    anonymous = client_for(None).post(url, form(colleague))
    assert anonymous.status_code == 302 and reverse("account_login") in anonymous.url
    for user in (other_manager, advisor, employer_a):
        with pytest.raises(services.BookingError) as refused:
            services.reassign_appointment(appointment=booked, to_advisor=colleague, by=user)
        assert refused.value.code == services.NOT_ALLOWED
    assert snapshot(booked) == before and mail.outbox == []


def test_get_on_the_reassign_url_changes_nothing(client_for, booked, colleague, manager):
    before = snapshot(booked)
    response = client_for(manager).get(reassign_appointment_url(booked))
    assert response.status_code == 302 and response.url == appointment_url(booked)
    assert snapshot(booked) == before


# Requests: allowed ------------------------------------------------------------------------------


def request_state(consultation):
    consultation.refresh_from_db()
    return (
        consultation.status,
        consultation.assigned_advisor_id,
        consultation.hops,
        consultation.decisions.count(),
    )


def test_manager_reassigns_an_assigned_request(client_for, routed, colleague, manager, advisor, employer_a):
    handle = client_for(manager).get(reverse("appointments:handle", kwargs={"uid": routed.uid}))
    assert handle.status_code == 200
    assert {a.pk for a in handle.context["reassign_form"].fields["advisor"].queryset} == {colleague.pk}
    assert reassign_request_url(routed) in handle.content.decode()

    response = client_for(manager).post(reassign_request_url(routed), form(colleague, "Adviser A en congé"))

    assert response.status_code == 302
    routed.refresh_from_db()
    assert routed.assigned_advisor == colleague
    assert routed.status == ConsultationRequest.Status.ASSIGNED and routed.hops == 2
    assert routed.due_at > routed.assigned_at
    decision = routed.decisions.get(hop=2)
    assert decision.reason == RoutingDecision.Reason.REASSIGNED
    assert decision.chosen_advisor == colleague and decision.note == "Adviser A en congé"

    assert [m.to for m in mail.outbox] == [[colleague.user.email], [advisor.email], [employer_a.email]]
    to_new, to_previous, to_employer = mail.outbox
    assert "Adviser A en congé" in to_new.body and "Adviser A en congé" in to_previous.body
    assert str(colleague) in to_previous.body and str(colleague) in to_employer.body
    assert "Adviser A en congé" not in to_employer.body

    # The new adviser answers it now; the previous one no longer may.
    assert requests.may_handle(routed, colleague.user) and not requests.may_handle(routed, advisor)
    page = client_for(colleague.user).get(reverse("appointments:handle", kwargs={"uid": routed.uid}))
    assert "Adviser A en congé" in page.content.decode()


def test_reassigning_a_request_with_proposed_times_withdraws_them(routed, colleague, manager, advisor):
    search = selectors.available_slots(
        topic=routed.topic,
        mode=routed.mode,
        location=routed.municipality,
        only_advisor=routed.assigned_advisor,
    )
    slot = search.groups[0].days[0][1][0]
    requests.propose_times(
        request=routed,
        by=advisor,
        choices=[services.SlotChoice(slot.advisor_id, slot.service_point_id, slot.start)],
    )
    mail.outbox.clear()

    routing.reassign_request(routed.pk, to_advisor=colleague, by=manager)

    routed.refresh_from_db()
    assert routed.status == ConsultationRequest.Status.ASSIGNED and routed.assigned_advisor == colleague
    assert not routed.proposals.exists()
    to_employer = mail.outbox[-1]
    assert to_employer.to == [routed.requested_by.email]
    assert "ne tiennent plus" in to_employer.body or "no longer hold" in to_employer.body


def test_a_request_with_the_manager_goes_to_the_adviser_chosen(
    routed, colleague, manager, advisor, other_advisor
):
    # Adviser A, then the colleague, then adviser B decline: the request is with the manager.
    for user in (advisor, colleague.user, other_advisor):
        routing.decline_request(routed.pk, by=user, reason="Absent")
    routed.refresh_from_db()
    assert routed.status == ConsultationRequest.Status.MANAGER
    mail.outbox.clear()

    # The manager may give it to an adviser who declined it before.
    routing.reassign_request(routed.pk, to_advisor=colleague, by=manager, reason="Pour Julie")

    routed.refresh_from_db()
    assert routed.status == ConsultationRequest.Status.ASSIGNED and routed.assigned_advisor == colleague
    assert routed.assigned_manager is None
    # Nobody held it before: the new adviser and the employer are told.
    assert [m.to for m in mail.outbox] == [[colleague.user.email], [routed.requested_by.email]]


def test_an_administrator_reassigns_a_request(client_for, routed, colleague, administrator):
    assert client_for(administrator).post(reassign_request_url(routed), form(colleague)).status_code == 302
    routed.refresh_from_db()
    assert routed.assigned_advisor == colleague


# Requests: refused ------------------------------------------------------------------------------


def test_a_closed_request_is_not_reassigned(client_for, routed, colleague, manager, employer_a):
    requests.withdraw_request(request=routed, by=employer_a)
    before = request_state(routed)
    page = client_for(manager).get(reverse("appointments:handle", kwargs={"uid": routed.uid}))
    assert page.context["reassign_form"] is None
    assert client_for(manager).post(reassign_request_url(routed), form(colleague)).status_code == 409
    with pytest.raises(requests.RequestError) as refused:
        routing.reassign_request(routed.pk, to_advisor=colleague, by=manager)
    assert refused.value.code == requests.NOT_OPEN
    assert request_state(routed) == before and mail.outbox == []


def test_a_request_is_not_given_to_an_ineligible_adviser(client_for, routed, manager, bookable):
    no_topic = AdvisorFactory(home_service_point=bookable.point_a)
    before = request_state(routed)
    client = client_for(manager)
    for advisor in (bookable.advisor_b, no_topic, bookable.advisor_a):
        assert client.post(reassign_request_url(routed), form(advisor)).status_code == 400
        with pytest.raises(requests.RequestError) as refused:
            routing.reassign_request(routed.pk, to_advisor=advisor, by=manager)
        assert refused.value.code == routing.NOT_ELIGIBLE
    assert request_state(routed) == before and mail.outbox == []


def test_only_the_directorates_manager_or_an_administrator_may_reassign_a_request(
    client_for, routed, colleague, other_manager, advisor, other_advisor, employer_a
):
    before = request_state(routed)
    url = reassign_request_url(routed)
    assert client_for(other_manager).post(url, form(colleague)).status_code == 404
    assert client_for(advisor).post(url, form(colleague)).status_code == 403
    assert client_for(other_advisor).post(url, form(colleague)).status_code == 403
    assert client_for(employer_a).post(url, form(colleague)).status_code == 403
    anonymous = client_for(None).post(url, form(colleague))
    assert anonymous.status_code == 302 and reverse("account_login") in anonymous.url
    # The assigned adviser sees the request page, without the form.
    page = client_for(advisor).get(reverse("appointments:handle", kwargs={"uid": routed.uid}))
    assert page.context["reassign_form"] is None and url not in page.content.decode()
    for user in (other_manager, advisor, employer_a):
        with pytest.raises(PermissionError):
            routing.reassign_request(routed.pk, to_advisor=colleague, by=user)
    assert request_state(routed) == before and mail.outbox == []
