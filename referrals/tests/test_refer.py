"""Referring a company: consent first; a routed request with the reason "referral", or the open
request or file it joins, or a time the partner books on the company's behalf."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Company, User
from appointments.models import Appointment, AppointmentEvent
from appointments.services import SlotChoice
from company_files import services as file_services
from company_files.models import FileEntry
from consultations.models import ConsultationRequest, RoutingDecision
from referrals import services
from referrals.models import Referral
from referrals.tests.helpers import company_data, referral_data
from tests import factories
from tests.booking_helpers import tuesday

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


@pytest.mark.parametrize(
    "missing",
    [{"consent_given_by": ""}, {"consent_given_at": None}, {"consent_method": ""}, {"consent_method": "x"}],
)
def test_without_consent_nothing_is_created(bookable, partner_a, missing):
    data = referral_data(bookable, **missing)
    with pytest.raises(services.ReferralError) as refused:
        services.refer_company(partner=partner_a, data=data)
    assert refused.value.code == services.NO_CONSENT
    assert not Company.objects.exists()
    assert not Referral.objects.exists()
    assert not ConsultationRequest.objects.exists()
    assert not User.objects.filter(email="m.gervais@epidor.example").exists()
    assert mail.outbox == []


def test_consent_is_recorded_who_when_how(bookable, partner_a):
    referral = services.refer_company(partner=partner_a, data=referral_data(bookable))
    referral.refresh_from_db()
    assert referral.consent_given_by == "Mélanie Gervais, propriétaire"
    assert referral.consent_method == Referral.ConsentMethod.PHONE
    assert referral.consent_given_at is not None


def test_only_a_partner_refers(bookable, employer_a, advisor):
    for person in (employer_a, advisor):
        with pytest.raises(services.ReferralError) as refused:
            services.refer_company(partner=person, data=referral_data(bookable))
        assert refused.value.code == services.NOT_PARTNER


def test_a_referral_is_routed_with_the_reason_referral(bookable, partner_a):
    referral = services.refer_company(partner=partner_a, data=referral_data(bookable))
    request = referral.request
    request.refresh_from_db()
    assert request.origin == ConsultationRequest.Origin.REFERRAL
    assert request.status == ConsultationRequest.Status.ASSIGNED
    assert request.assigned_advisor == bookable.advisor_a
    decision = RoutingDecision.objects.get(request=request)
    assert decision.reason == RoutingDecision.Reason.REFERRAL
    assert request.requested_by == referral.contact_user
    assert referral.status == Referral.Status.RECEIVED


def test_the_adviser_sees_who_referred(bookable, partner_a, client_for):
    referral = services.refer_company(partner=partner_a, data=referral_data(bookable))
    page = client_for(bookable.advisor_a.user).get(
        reverse("appointments:handle", kwargs={"uid": referral.request.uid})
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "Services Québec" in text and "Bureau de Services Québec de Trois-Rivières" in text
    assert partner_a.email in text
    assert "Recommandation d’un organisme partenaire" in text  # the routing reason


def test_a_referral_joins_the_open_request_instead_of_duplicating(bookable, partner_a, employer_a):
    company = employer_a.employer_profile.company
    open_request = ConsultationRequest.objects.create(
        company=company,
        requested_by=employer_a,
        topic=bookable.topic,
        mode="phone",
        municipality=bookable.municipality_a,
        status=ConsultationRequest.Status.ASSIGNED,
        assigned_advisor=bookable.advisor_a,
    )
    data = referral_data(
        bookable, company=company_data(bookable, neq=company.neq), contact_email=employer_a.email
    )
    referral = services.refer_company(partner=partner_a, data=data)
    assert referral.request == open_request
    assert referral.joined_existing
    assert ConsultationRequest.objects.filter(company=company).count() == 1
    assert referral.contact_user == employer_a  # the representative, not a new account


def test_a_referral_joins_the_open_file_with_a_note_for_staff(bookable, partner_a, employer_a):
    company = employer_a.employer_profile.company
    programs = factories.file_programs(bookable.topic)
    file = file_services.open_file(
        company=company, program=programs["travailleurs-etrangers-temporaires"], by=bookable.advisor_a.user
    )
    referral = services.refer_company(
        partner=partner_a, data=referral_data(bookable, company=company_data(bookable, neq=company.neq))
    )
    assert referral.company_file == file and referral.request is None
    assert not ConsultationRequest.objects.filter(company=company).exists()
    note = FileEntry.objects.get(file=file, kind=FileEntry.Kind.NOTE)
    assert "Services Québec" in note.body and note.is_internal
    # Another person's address for a company with an account: no account is created for it.
    assert referral.contact_user is None
    assert not User.objects.filter(email="m.gervais@epidor.example").exists()


def test_the_partner_books_on_the_companys_behalf(bookable, partner_a):
    choice = SlotChoice(bookable.advisor_a.pk, bookable.point_a.pk, tuesday(10, 30))
    referral = services.refer_company(
        partner=partner_a, data=referral_data(bookable), booking_choice=services.BookingChoice(choice)
    )
    appointment = referral.appointment
    assert appointment.status == Appointment.Status.CONFIRMED
    assert appointment.booked_by == referral.contact_user
    event = AppointmentEvent.objects.get(appointment=appointment, action=AppointmentEvent.Action.BOOKED)
    assert event.actor == partner_a  # the partner is shown as the one who booked
    assert referral.status == Referral.Status.CONTACTED
    # The contact gets the confirmation (with its manage link) and the invitation to claim.
    to_contact = [m for m in mail.outbox if m.to == ["m.gervais@epidor.example"]]
    subjects = " | ".join(m.subject for m in to_contact)
    assert len(to_contact) == 2, subjects
    confirmation = next(m for m in to_contact if m.attachments)
    assert (
        "/gerer/" in confirmation.body
        or "manage" in confirmation.body
        or "gérer" in confirmation.body.lower()
    )
    assert not ConsultationRequest.objects.exists()


def test_the_adviser_sees_the_partner_as_who_booked(bookable, partner_a, client_for):
    choice = SlotChoice(bookable.advisor_a.pk, bookable.point_a.pk, tuesday(10, 30))
    referral = services.refer_company(
        partner=partner_a, data=referral_data(bookable), booking_choice=services.BookingChoice(choice)
    )
    url = reverse("advisors:appointment", kwargs={"uid": referral.appointment.uid})
    text = client_for(bookable.advisor_a.user).get(url).content.decode()
    assert f"{partner_a.get_full_name()} (organisme partenaire\u00a0: Services Québec)" in text
