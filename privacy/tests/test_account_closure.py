"""Law 25: an employer closes their account. Personal data are anonymised, statistics are kept,
upcoming appointments are cancelled only when nobody else represents the company.

Emails are sent "after commit": these tests run the queued callbacks when the request's
transaction would commit (django_capture_on_commit_callbacks), not as they are queued, so that
the emails see the rows as they are once the closure is committed.
"""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import ApiToken, User
from accounts.tokens import create_token, user_for_token
from appointments import services
from appointments.models import Appointment, AppointmentEvent, Mode, Reminder
from consultations.models import ConsultationRequest
from dashboards import selectors as dashboard
from privacy import services as privacy
from tests import factories
from tests.booking_helpers import NOW, book, tuesday
from tests.clients import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory


def past(network, employer, days_ago, status, message="", reason=""):
    """An appointment of the company `days_ago` days before now, as the adviser left it."""
    starts_at = NOW - timedelta(days=days_ago)
    return Appointment.objects.create(
        advisor=network.advisor_a,
        topic=network.topic,
        mode=Mode.SERVICE_POINT,
        service_point=network.point_a,
        company=employer.employer_profile.company,
        booked_by=employer,
        municipality=network.municipality_a,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        status=status,
        message=message,
        cancellation_reason=reason,
    )


def figures(administrator):
    """Every national dashboard figure over the default period (four weeks each side of now)."""
    catalogue = dashboard.Catalogue.for_user(administrator, None)
    form = dashboard.FilterForm({}, catalogue=catalogue)
    assert form.is_valid(), form.errors
    return dashboard.figures(form.filters(), catalogue=catalogue)


def close(client, password=PASSWORD):
    return client.post(reverse("accounts:close"), {"password": password})


@pytest.fixture
def history(bookable, employer_a, advisor):
    """Employer A's past: a consultation held, one missed, one they cancelled giving a reason,
    a booked request; and a personal profile with phone, job title, MFA and an API token."""
    profile = employer_a.employer_profile
    profile.job_title, profile.phone = "Propriétaire", "819 555-0101"
    profile.save()
    held = past(bookable, employer_a, 10, Appointment.Status.COMPLETED, message="Deux soudeurs à recruter")
    past(bookable, employer_a, 8, Appointment.Status.NO_SHOW)
    cancelled = past(
        bookable, employer_a, 6, Appointment.Status.CANCELLED, reason="Ma fille est malade, désolée"
    )
    AppointmentEvent.objects.create(
        appointment=cancelled,
        action=AppointmentEvent.Action.CANCELLED,
        actor=employer_a,
        starts_at=cancelled.starts_at,
        reason=cancelled.cancellation_reason,
    )
    services.add_note(appointment=held, by=advisor, text="Entreprise familiale, projet sérieux")
    ConsultationRequest.objects.create(
        company=profile.company,
        requested_by=employer_a,
        topic=bookable.topic,
        mode=Mode.PHONE,
        municipality=bookable.municipality_a,
        message="Appelez-moi au 819 555-0101",
        status=ConsultationRequest.Status.BOOKED,
        appointment=held,
    )
    Authenticator.objects.create(user=employer_a, type=Authenticator.Type.TOTP, data={"secret": "X" * 32})
    _, raw_token = create_token(user=employer_a, name="Intégration RH")
    return {"held": held, "cancelled": cancelled, "raw_token": raw_token}


def test_closing_anonymises_the_person_and_the_company_address_of_the_last_representative(
    bookable, employer_a, employer_b, administrator, history, django_capture_on_commit_callbacks
):
    email = employer_a.email
    company = employer_a.employer_profile.company
    elsewhere = signed_in(employer_a)  # another browser, signed in too
    elsewhere_key = elsewhere.session.session_key
    before = figures(administrator)

    with django_capture_on_commit_callbacks(execute=True):
        response = close(signed_in(employer_a))

    assert response.status_code == 302 and response["Location"] == reverse("home")
    user = User.objects.get(pk=employer_a.pk)
    assert user.email == f"closed-{user.pk}@invalid.example"
    assert (user.first_name, user.last_name, user.is_active) == ("", "", False)
    assert not user.has_usable_password()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not Authenticator.objects.filter(user=user).exists()
    assert not ApiToken.objects.filter(user=user).exists()
    assert user_for_token(history["raw_token"]) is None
    assert not Session.objects.filter(session_key=elsewhere_key).exists()
    assert elsewhere.get(reverse("accounts:home")).status_code == 302  # to the login page
    profile = user.employer_profile
    assert (profile.job_title, profile.phone) == ("", "")
    company.refresh_from_db()
    assert (company.street_address, company.postal_code) == ("", "")
    # Public registry data and what the statistics need stay.
    assert company.legal_name.startswith("Entreprise") and len(company.neq) == 10
    assert company.municipality == bookable.municipality_a and company.sector and company.size
    # What they wrote is gone; what happened stays.
    held, cancelled = (Appointment.objects.get(pk=history[k].pk) for k in ("held", "cancelled"))
    assert held.message == "" and held.status == Appointment.Status.COMPLETED
    assert cancelled.cancellation_reason == "" and cancelled.status == Appointment.Status.CANCELLED
    assert not AppointmentEvent.objects.filter(actor=user).exclude(reason="").exists()
    request = ConsultationRequest.objects.get(requested_by=user)
    assert request.message == "" and request.status == ConsultationRequest.Status.BOOKED
    # The adviser's note is the ministry's working document, purged with the retention period.
    assert held.notes.get().text == "Entreprise familiale, projet sérieux"
    assert figures(administrator) == before
    # Nothing else was touched.
    assert User.objects.get(pk=employer_b.pk).is_active
    # The closure is confirmed to the address the person had; it leaves no other trace there.
    (message,) = mail.outbox
    assert message.to == [email]
    assert not User.objects.filter(email=email).exists()


def test_the_last_representative_closing_cancels_the_upcoming_appointments_and_requests(
    bookable, employer_a, django_capture_on_commit_callbacks
):
    email = employer_a.email
    upcoming = book(bookable, employer_a, tuesday(10, 30), message="Nous recrutons trois soudeurs")
    assert Reminder.objects.filter(appointment=upcoming).exists()
    request = ConsultationRequest.objects.create(
        company=employer_a.employer_profile.company,
        requested_by=employer_a,
        topic=bookable.topic,
        mode=Mode.PHONE,
        municipality=bookable.municipality_a,
        status=ConsultationRequest.Status.ASSIGNED,
        assigned_advisor=bookable.advisor_a,
        message="Rappelez-moi",
    )

    with django_capture_on_commit_callbacks(execute=True):
        close(signed_in(employer_a))

    upcoming.refresh_from_db()
    assert upcoming.status == Appointment.Status.CANCELLED and upcoming.message == ""
    with translation.override(employer_a.language):
        assert upcoming.cancellation_reason == gettext("Account closed")
    event = upcoming.events.get(action=AppointmentEvent.Action.CANCELLED)
    assert event.actor_id == employer_a.pk and event.reason == upcoming.cancellation_reason
    assert not Reminder.objects.filter(appointment=upcoming).exists()
    request.refresh_from_db()
    assert request.status == ConsultationRequest.Status.WITHDRAWN and request.message == ""
    # The usual cancellation email, .ics CANCEL included, to the address they had; then the
    # closure's confirmation. Nobody else is left to write to.
    cancellation, confirmation = sorted(mail.outbox, key=lambda m: not m.attachments)
    assert cancellation.to == confirmation.to == [email]
    (name, ics, mimetype), *_ = cancellation.attachments
    ics = ics.decode() if isinstance(ics, bytes) else ics
    assert name == "rendez-vous.ics" and "method=CANCEL" in mimetype
    assert "METHOD:CANCEL" in ics and f"UID:{upcoming.uid}@midi-regions" in ics and "SEQUENCE:1" in ics
    assert confirmation.attachments == []


def test_a_colleague_keeps_the_upcoming_appointments_and_gets_their_emails(
    bookable, employer_a, advisor, administrator, django_capture_on_commit_callbacks
):
    company = employer_a.employer_profile.company
    colleague = factories.EmployerProfileFactory(company=company).user
    upcoming = book(bookable, employer_a, tuesday(10, 30))
    theirs = ConsultationRequest.objects.create(
        company=company,
        requested_by=colleague,
        topic=bookable.topic,
        mode=Mode.PHONE,
        municipality=bookable.municipality_a,
        status=ConsultationRequest.Status.ASSIGNED,
        assigned_advisor=bookable.advisor_a,
    )
    before = figures(administrator)

    with django_capture_on_commit_callbacks(execute=True):
        close(signed_in(employer_a))

    upcoming.refresh_from_db()
    assert upcoming.status == Appointment.Status.CONFIRMED
    # Emails and reminders now go to the company's active representatives, greeting the company.
    assert upcoming.booked_by is None
    assert ConsultationRequest.objects.get(pk=theirs.pk).status == ConsultationRequest.Status.ASSIGNED
    company.refresh_from_db()
    assert company.street_address == "1, rue du Moulin"  # still the colleague's company address
    assert figures(administrator) == before
    assert [m.to for m in mail.outbox] == [[employer_a.email]]  # the confirmation only

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_appointment(appointment=upcoming, by=advisor)
    assert [m.to for m in mail.outbox] == [[colleague.email]]


def test_a_closed_account_can_no_longer_sign_in(bookable, employer_a):
    email = employer_a.email
    close(signed_in(employer_a))
    for login in (email, User.objects.get(pk=employer_a.pk).email):
        client = Client()
        response = client.post(reverse("account_login"), {"login": login, "password": PASSWORD})
        assert response.status_code == 200  # the form again, with its error
        assert client.get(reverse("accounts:home")).status_code == 302
    # The address is free again: the person may sign up anew one day.
    response = Client().post(
        reverse("account_signup"),
        {
            "email": email,
            "password1": "Un-mot-de-passe-solide-2026",
            "password2": "Un-mot-de-passe-solide-2026",
        },
    )
    assert response.status_code == 302 and User.objects.filter(email=email, is_active=True).exists()


@pytest.mark.parametrize("password", ["not-my-password", ""])
def test_a_wrong_password_is_a_form_error_and_nothing_changes(bookable, employer_a, password):
    upcoming = book(bookable, employer_a, tuesday(10, 30), message="Bonjour")
    client = signed_in(employer_a)
    response = close(client, password)
    assert response.status_code == 400
    assert response.context["form"].errors["password"]
    user = User.objects.get(pk=employer_a.pk)
    assert (user.email, user.first_name, user.is_active) == (
        employer_a.email,
        employer_a.first_name,
        True,
    )
    assert user.has_usable_password() and EmailAddress.objects.filter(user=user).exists()
    upcoming.refresh_from_db()
    assert upcoming.status == Appointment.Status.CONFIRMED and upcoming.message == "Bonjour"
    assert client.get(reverse("accounts:home")).status_code == 200  # still signed in


def test_password_guesses_are_limited(bookable, employer_a):
    client = signed_in(employer_a)
    statuses = [close(client, f"guess-{n}").status_code for n in range(6)]
    assert statuses == [400] * 5 + [429]
    assert close(client).status_code == 429  # even the right one, until the window ends
    assert User.objects.get(pk=employer_a.pk).is_active


def test_the_page_says_what_will_be_erased_kept_and_cancelled(bookable, employer_a):
    book(bookable, employer_a, tuesday(10, 30))
    response = signed_in(employer_a).get(reverse("accounts:close"))
    assert response.status_code == 200
    outlook = response.context["outlook"]
    assert (outlook.last_representative, outlook.future_appointments, outlook.open_requests) == (True, 1, 0)
    body = response.content.decode()
    assert employer_a.employer_profile.company.legal_name in body
    assert 'name="password"' in body and 'autocomplete="current-password"' in body
    profile_page = signed_in(employer_a).get(reverse("accounts:profile")).content.decode()
    assert reverse("accounts:close") in profile_page  # next to the data download


@pytest.mark.parametrize("person", ["advisor", "manager", "administrator", "new_user"])
def test_staff_and_profile_less_users_are_refused(request, person):
    user = request.getfixturevalue(person)
    client = signed_in(user)
    assert client.get(reverse("accounts:close")).status_code == 403
    assert close(client).status_code == 403
    user.refresh_from_db()
    assert user.is_active and user.email.endswith("@example.org")
    with pytest.raises(PermissionDenied):
        privacy.close_account(user=User.objects.get(pk=user.pk))


def test_anonymous_visitors_are_sent_to_sign_in(db):
    response = Client().post(reverse("accounts:close"), {"password": PASSWORD})
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_a_double_submit_closes_once(bookable, employer_a, django_capture_on_commit_callbacks):
    book(bookable, employer_a, tuesday(10, 30))
    stale = User.objects.get(
        pk=employer_a.pk
    )  # the second request loaded the user before the first committed
    with django_capture_on_commit_callbacks(execute=True):
        first = privacy.close_account(user=employer_a)
        second = privacy.close_account(user=stale)
    assert (first.cancelled, second.cancelled, second.withdrawn) == (1, 0, 0)
    assert stale.email == employer_a.email == f"closed-{employer_a.pk}@invalid.example"
    assert len(mail.outbox) == 2  # one cancellation, one confirmation


def test_closing_blanks_the_person_s_survey_comments_and_keeps_the_scores(bookable, employer_a):
    from feedback import services as feedback
    from feedback.models import Survey
    from feedback.tests.conftest import mark_held

    survey = mark_held(book(bookable, employer_a)).survey
    feedback.answer_survey(survey=survey, satisfaction=5, outcome="yes", comment="Merci Julie!", revision=0)
    privacy.close_account(user=employer_a)
    survey = Survey.objects.get(pk=survey.pk)
    assert survey.comment == "" and (survey.satisfaction, survey.outcome) == (5, "yes")
