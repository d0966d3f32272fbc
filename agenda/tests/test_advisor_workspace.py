"""The adviser's appointment page: confirm, reschedule, completed / no-show, cancel with a reason,
private notes, the audit trail, the company's history; and declining a routed request.

Who may see what: the appointment's adviser acts; the manager of the adviser's directorate reads;
another adviser, another manager and the employer get nothing (404 / 403)."""

import icalendar
import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from appointments import services
from appointments.models import Appointment, AppointmentEvent, Mode
from appointments.templatetags.booking import utc_param
from consultations.models import ConsultationRequest, RoutingDecision
from tests.booking_helpers import tuesday

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


def page_url(appointment):
    return reverse("advisors:appointment", kwargs={"uid": appointment.uid})


def action_url(appointment):
    return reverse("advisors:appointment_action", kwargs={"uid": appointment.uid})


def ics_of(message) -> icalendar.Event:
    (attachment,) = [a for a in message.attachments if a[0].endswith(".ics")]
    return icalendar.Calendar.from_ical(attachment[1]).walk("VEVENT")[0]


# Who may see it ----------------------------------------------------------------------------------


def test_only_the_adviser_and_their_manager_open_the_appointment(
    client_for, booked, advisor, other_advisor, manager, other_manager, employer_a
):
    services.add_note(appointment=booked, by=advisor, text="Note confidentielle sur l'entreprise")
    mine = client_for(advisor).get(page_url(booked))
    assert mine.status_code == 200 and "Note confidentielle" in mine.content.decode()
    assert "Deux postes de soudeur" in mine.content.decode()

    read_only = client_for(manager).get(page_url(booked)).content.decode()
    assert "Note confidentielle" in read_only and action_url(booked) not in read_only

    assert client_for(other_advisor).get(page_url(booked)).status_code == 404
    assert client_for(other_manager).get(page_url(booked)).status_code == 404
    assert client_for(employer_a).get(page_url(booked)).status_code == 403
    assert Client().get(page_url(booked)).status_code == 302  # to the login page

    # The employer's own pages never show the note.
    employer_page = client_for(employer_a).get(reverse("appointments:detail", kwargs={"uid": booked.uid}))
    assert employer_page.status_code == 200 and "Note confidentielle" not in employer_page.content.decode()


def test_another_adviser_cannot_act_or_write_notes(client_for, booked, other_advisor, manager):
    client = client_for(other_advisor)
    assert client.post(action_url(booked), {"action": "cancel"}).status_code == 404
    note_url = reverse("advisors:appointment_note", kwargs={"uid": booked.uid})
    assert client.post(note_url, {"text": "intrus"}).status_code == 404
    assert client_for(manager).post(action_url(booked), {"action": "confirm"}).status_code == 403
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CONFIRMED and booked.advisor_confirmed_at is None
    assert not booked.notes.exists()


# Actions -----------------------------------------------------------------------------------------


def test_the_adviser_confirms_and_the_employer_gets_an_updated_calendar_file(
    client_for, booked, advisor, employer_a
):
    client = client_for(advisor)
    response = client.post(action_url(booked), {"action": "confirm"})
    assert response.status_code == 302 and response["Location"] == page_url(booked)
    booked.refresh_from_db()
    assert booked.advisor_confirmed_at is not None and booked.sequence == 1
    (message,) = mail.outbox
    assert message.to == [employer_a.email]
    assert ics_of(message)["SEQUENCE"] == 1
    assert ics_of(message)["UID"] == f"{booked.uid}@midi-regions"
    event = booked.events.get(action=AppointmentEvent.Action.CONFIRMED)
    assert event.actor == advisor

    # A second confirmation changes nothing and sends nothing.
    client.post(action_url(booked), {"action": "confirm"})
    assert len(mail.outbox) == 1 and booked.events.filter(action="confirmed").count() == 1


def test_an_outcome_waits_for_the_start_then_is_recorded(client_for, booked, advisor, employer_a):
    client = client_for(advisor)
    early = client.post(action_url(booked), {"action": "completed"})
    assert early.status_code == 409
    assert "commencé" in early.content.decode() or "started" in early.content.decode()
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CONFIRMED

    with time_machine.travel(tuesday(10, 45), tick=False):
        assert client.post(action_url(booked), {"action": "no_show"}).status_code == 302
        booked.refresh_from_db()
        assert booked.status == Appointment.Status.NO_SHOW
        assert [m.to for m in mail.outbox] == [[employer_a.email]]
        # A correction: it was held after all.
        client.post(action_url(booked), {"action": "completed"})
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.COMPLETED
    assert list(booked.events.values_list("action", flat=True)) == ["booked", "no_show", "completed"]


def test_the_adviser_cancels_with_a_reason_the_employer_reads(client_for, booked, advisor, employer_a):
    response = client_for(advisor).post(
        action_url(booked), {"action": "cancel", "reason": "Formation obligatoire ce jour-là"}
    )
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CANCELLED
    (message,) = mail.outbox
    assert "Formation obligatoire ce jour-là" in message.body
    assert ics_of(message)["STATUS"] == "CANCELLED"
    event = booked.events.get(action="cancelled")
    assert event.actor == advisor and event.reason == "Formation obligatoire ce jour-là"
    listing = client_for(employer_a).get(reverse("appointments:list")).content.decode()
    assert "Annulé" in listing or "Cancelled" in listing


def test_an_unknown_action_is_a_400_and_changes_nothing(client_for, booked, advisor):
    assert client_for(advisor).post(action_url(booked), {"action": "delete"}).status_code == 400
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CONFIRMED and booked.events.count() == 1


def test_with_htmx_the_action_answers_with_the_panel_only(client_for, booked, advisor):
    response = client_for(advisor).post(action_url(booked), {"action": "confirm"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="appointment-panel"') and "<html" not in body
    assert "Confirmé" in body or "Confirmed" in body


def test_the_adviser_moves_the_appointment_and_the_trail_keeps_both_times(
    client_for, booked, advisor, employer_a
):
    url = reverse("advisors:appointment_reschedule", kwargs={"uid": booked.uid})
    confirm_url = reverse("advisors:appointment_reschedule_confirm", kwargs={"uid": booked.uid})
    client = client_for(advisor)
    times = client.get(url)
    assert times.status_code == 200 and f"{confirm_url}?advisor={booked.advisor_id}" in times.content.decode()
    new_time = tuesday(14)
    picked = {"advisor": booked.advisor_id, "point": booked.service_point_id, "at": utc_param(new_time)}
    # The step shows the appointment now and after, in the adviser's words, and changes nothing.
    step = client.get(confirm_url, picked)
    assert step.status_code == 200 and "L’entreprise reçoit un courriel" in step.content.decode()
    booked.refresh_from_db()
    assert booked.starts_at == tuesday(10, 30) and booked.sequence == 0 and not mail.outbox

    response = client.post(confirm_url, picked)
    assert response.status_code == 302 and response["Location"] == page_url(booked)
    booked.refresh_from_db()
    assert booked.starts_at == new_time and booked.sequence == 1
    event = booked.events.get(action="rescheduled")
    assert (
        event.previous_starts_at == tuesday(10, 30) and event.starts_at == new_time and event.actor == advisor
    )
    (message,) = mail.outbox
    assert message.to == [employer_a.email] and ics_of(message)["SEQUENCE"] == 1


def test_only_the_actions_that_fit_the_status_are_offered(client_for, booked, advisor):
    """The booking is confirmed when made: the adviser confirms their attendance, once; a cancelled
    appointment offers nothing; a past one offers its outcome only."""

    def buttons():
        page = client_for(advisor).get(page_url(booked))
        return {
            name
            for name, label in (
                ("attendance", "Confirmer ma présence"),
                ("reschedule", "Choisir une autre plage horaire"),
                ("cancel", "Annuler le rendez-vous"),
                ("completed", "Marquer comme tenu"),
                ("no_show", "Marquer comme manqué"),
            )
            if label in page.content.decode()
        }, page.content.decode()

    offered, page = buttons()
    assert offered == {"attendance", "reschedule", "cancel"}
    assert "Confirmer le rendez-vous" not in page  # never "confirm" next to the "Confirmé" badge

    services.confirm_appointment(appointment=booked, by=advisor)
    offered, page = buttons()
    assert offered == {"reschedule", "cancel"} and "Vous avez confirmé votre présence le" in page

    with time_machine.travel(tuesday(10, 45), tick=False):
        assert buttons()[0] == {"completed", "no_show"}
        services.record_outcome(appointment=booked, by=advisor, status=Appointment.Status.COMPLETED)
        offered, page = buttons()
        assert offered == {"no_show"} and "Vous avez confirmé votre présence" not in page


def test_a_cancelled_appointment_offers_no_action(client_for, booked, advisor):
    services.cancel_appointment(appointment=booked, by=advisor, reason="")
    page = client_for(advisor).get(page_url(booked))
    assert page.context["can_confirm"] is False and page.context["can_change"] is False
    assert page.context["can_record_outcome"] is False
    assert reverse("advisors:appointment_action", kwargs={"uid": booked.uid}) not in page.content.decode()


def test_only_the_appointments_adviser_moves_it(client_for, booked, other_advisor, manager, employer_a):
    url = reverse("advisors:appointment_reschedule_confirm", kwargs={"uid": booked.uid})
    picked = {"advisor": booked.advisor_id, "point": booked.service_point_id, "at": utc_param(tuesday(14))}
    assert client_for(other_advisor).get(url, picked).status_code == 404
    assert client_for(other_advisor).post(url, picked).status_code == 404
    assert client_for(manager).post(url, picked).status_code == 403
    assert client_for(employer_a).post(url, picked).status_code == 403
    booked.refresh_from_db()
    assert booked.starts_at == tuesday(10, 30) and booked.sequence == 0 and not mail.outbox


def test_notes_are_saved_and_an_empty_one_is_refused(client_for, booked, advisor):
    client = client_for(advisor)
    url = reverse("advisors:appointment_note", kwargs={"uid": booked.uid})
    assert client.post(url, {"text": "  "}).status_code == 400
    assert client.post(url, {"text": "Suivi : envoyer la liste des documents."}).status_code == 302
    (note,) = booked.notes.all()
    assert note.author == advisor and note.text == "Suivi : envoyer la liste des documents."


def test_the_company_history_lists_its_other_consultations(client_for, booked, bookable, advisor, employer_a):
    earlier = services.book_appointment(
        company=employer_a.employer_profile.company,
        booked_by=employer_a,
        topic=bookable.topic,
        mode=Mode.SERVICE_POINT,
        location=bookable.municipality_b,
        choice=services.SlotChoice(
            bookable.advisor_b.pk, bookable.advisor_b.home_service_point_id, tuesday(13)
        ),
    )
    page = client_for(advisor).get(page_url(booked))
    history = list(page.context["history"])
    assert history == [earlier]
    # Another adviser's appointment is listed, not linked.
    assert page_url(earlier) not in page.content.decode()


# Declining a routed request ----------------------------------------------------------------------


def test_the_adviser_declines_and_the_request_goes_to_the_next_nearest(
    client_for, bookable, employer_a, advisor, other_advisor
):
    client_for(employer_a).post(
        reverse("appointments:request_new"),
        {
            "topic": bookable.topic.code,
            "mode": Mode.SERVICE_POINT,
            "municipality": "Trois-Rivières",
            "language": "fr",
            "preferred_time": "any",
            "message": "Recrutement international",
        },
    )
    consultation = ConsultationRequest.objects.get()
    assert consultation.assigned_advisor == bookable.advisor_a
    url = reverse("appointments:decline", kwargs={"uid": consultation.uid})

    assert client_for(other_advisor).post(url, {"reason": "x"}).status_code == 404
    client = client_for(advisor)
    assert client.post(url, {"reason": ""}).status_code == 400
    inbox = client.get(reverse("appointments:inbox")).content.decode()
    assert "conseiller qualifié le plus proche" in inbox or "Nearest qualified adviser" in inbox

    mail.outbox.clear()
    assert client.post(url, {"reason": "Je suis en congé toute la semaine"}).status_code == 302
    consultation.refresh_from_db()
    assert consultation.assigned_advisor == bookable.advisor_b and consultation.hops == 2
    decision = consultation.decisions.get(hop=2)
    assert decision.reason == RoutingDecision.Reason.DECLINED
    assert decision.note == "Je suis en congé toute la semaine"
    assert [m.to for m in mail.outbox] == [[other_advisor.email]]
    assert "Je suis en congé toute la semaine" in mail.outbox[0].body
    assert "restée sans réponse dans le délai" not in mail.outbox[0].body
    # The next adviser reads why it came to them.
    handle = client_for(other_advisor).get(reverse("appointments:handle", kwargs={"uid": consultation.uid}))
    assert "Je suis en congé toute la semaine" in handle.content.decode()
    # Declining again is no longer possible for the first adviser.
    assert client.post(url, {"reason": "encore"}).status_code == 409


def test_the_last_adviser_declining_sends_the_request_to_the_manager(
    client_for, bookable, employer_a, advisor, other_advisor, manager
):
    client_for(employer_a).post(
        reverse("appointments:request_new"),
        {
            "topic": bookable.topic.code,
            "mode": Mode.SERVICE_POINT,
            "municipality": "Trois-Rivières",
            "language": "fr",
            "preferred_time": "any",
            "message": "Recrutement international",
        },
    )
    consultation = ConsultationRequest.objects.get()
    client_for(advisor).post(
        reverse("appointments:decline", kwargs={"uid": consultation.uid}), {"reason": "Absent"}
    )
    client_for(other_advisor).post(
        reverse("appointments:decline", kwargs={"uid": consultation.uid}), {"reason": "Hors mandat"}
    )
    consultation.refresh_from_db()
    assert consultation.status == ConsultationRequest.Status.MANAGER
    assert consultation.decisions.get(hop=3).reason == RoutingDecision.Reason.DECLINED_TO_MANAGER
