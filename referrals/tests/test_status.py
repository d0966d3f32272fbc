"""The partner follows the status only, and is told when it changes."""

import pytest
from django.core import mail
from django.urls import reverse

from appointments import services as booking
from appointments.models import Appointment
from consultations import services as requests
from consultations.models import ConsultationRequest
from referrals import services
from referrals.models import Referral
from referrals.tests.helpers import referral_data
from tests.booking_helpers import tuesday

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


@pytest.fixture
def referred(bookable, partner_a):
    referral = services.refer_company(partner=partner_a, data=referral_data(bookable))
    mail.outbox.clear()
    return referral


def _held(referral, advisor_user, frozen_now):
    appointment = Appointment.objects.get(pk=referral.request.appointment_id)
    frozen_now.move_to(appointment.ends_at)
    booking.record_outcome(appointment=appointment, by=advisor_user, status=Appointment.Status.COMPLETED)


def test_status_goes_contacted_then_meeting_held_and_the_partner_is_told(
    bookable, referred, partner_a, frozen_now
):
    request = ConsultationRequest.objects.get(pk=referred.request_id)
    choice = booking.SlotChoice(bookable.advisor_a.pk, bookable.point_a.pk, tuesday(10, 30))
    requests.book_for_employer(request=request, by=bookable.advisor_a.user, choice=choice)
    assert services.sweep_statuses() == 1  # the beat's sweep finds the adviser's answer
    assert services.sweep_statuses() == 0  # and tells it once
    referred.refresh_from_db()
    request.refresh_from_db()
    assert referred.status == Referral.Status.CONTACTED
    assert referred.contacted_at is not None
    assert referred.appointment_id == request.appointment_id
    told = [m for m in mail.outbox if m.to == [partner_a.email]]
    assert len(told) == 1 and "Contactée" in told[0].subject
    _held(referred, bookable.advisor_a.user, frozen_now)  # told at once, without the sweep
    referred.refresh_from_db()
    assert referred.status == Referral.Status.MEETING_HELD
    assert referred.meeting_held_at is not None
    assert len([m for m in mail.outbox if m.to == [partner_a.email]]) == 2


def test_a_withdrawn_request_closes_the_referral(referred):
    requests.withdraw_request(request=referred.request, by=referred.contact_user)
    services.sweep_statuses()
    referred.refresh_from_db()
    assert referred.status == Referral.Status.CLOSED and referred.outcome == "withdrawn"


def test_the_partner_sees_only_the_status_of_their_own_referrals(referred, partner_a, partner_b, client_for):
    url = reverse("referrals:detail", kwargs={"uid": referred.uid})
    page = client_for(partner_a).get(url)
    assert page.status_code == 200
    assert "Reçue" in page.content.decode()
    assert client_for(partner_b).get(url).status_code == 404
    listing = client_for(partner_b).get(reverse("referrals:list")).content.decode()
    assert "Épi d" not in listing


def test_the_partner_never_sees_the_advisers_notes(bookable, referred, partner_a, client_for):
    request = ConsultationRequest.objects.get(pk=referred.request_id)
    choice = booking.SlotChoice(bookable.advisor_a.pk, bookable.point_a.pk, tuesday(10, 30))
    requests.book_for_employer(request=request, by=bookable.advisor_a.user, choice=choice)
    request.refresh_from_db()
    appointment = Appointment.objects.get(pk=request.appointment_id)
    booking.add_note(
        appointment=appointment, by=bookable.advisor_a.user, text="Note privée : dossier sensible"
    )
    text = (
        client_for(partner_a).get(reverse("referrals:detail", kwargs={"uid": referred.uid})).content.decode()
    )
    assert "Note privée" not in text
    api = client_for(partner_a).get(reverse("api:referral-detail", kwargs={"uid": referred.uid})).json()
    assert set(api) == {
        "uid", "company", "neq", "topic", "urgency", "organisation", "office", "status",
        "joined_existing", "created_at", "contacted_at", "meeting_held_at", "closed_at",
    }  # fmt: skip
