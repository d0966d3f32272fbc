"""Sentences that name a staff member agree with them in French (accounts.grammar).

« Julie Lampron le plus chargé », « Votre conseiller a confirmé » (of Julie): the sentences now take
the grammatical gender each staff member records (feminine, masculine, or not specified: neutral
wording), set in the data for the real network and editable in the admin and on the staff profile.
"""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from accounts.grammar import Agreeing, agree
from accounts.models import GrammaticalGender, User
from appointments import notifications
from tests import factories
from tests.booking_helpers import book

pytestmark = pytest.mark.django_db


def gender(user, value: str) -> None:
    user.grammatical_gender = value
    user.save(update_fields=["grammatical_gender"])


def test_agree_picks_the_form_of_the_person():
    message = Agreeing("elle", "il", "la personne")
    assert [agree(message, User(grammatical_gender=g)) for g in ("f", "m", "")] == [
        "elle",
        "il",
        "la personne",
    ]
    assert agree("as is", User(grammatical_gender="f")) == "as is"


def test_every_staff_member_of_the_real_network_has_a_gender_in_the_data():
    """Written in the data file, not guessed at run time from a first name."""
    data = json.loads(Path(settings.BASE_DIR, "midi_regions/data/network.json").read_text(encoding="utf-8"))
    people = data["advisors"] + [d["manager"] for d in data["directorates"]]
    assert len(people) == 61
    assert {person["grammatical_gender"] for person in people} <= set(GrammaticalGender.values)
    julie = next(p for p in data["advisors"] if p["email"] == "julie.lampron@midi.example")
    isabelle = next(d["manager"] for d in data["directorates"] if d["code"] == "mauricie-centre")
    assert (julie["grammatical_gender"], isabelle["grammatical_gender"]) == ("f", "f")


@pytest.mark.parametrize("role", ["advisor", "manager", "administrator"])
def test_staff_set_how_french_sentences_about_them_agree(request, client_for, role):
    person = request.getfixturevalue(role)
    client = client_for(person)
    page = client.get(reverse("accounts:profile"))
    assert page.status_code == 200
    assert "Accord des phrases qui vous désignent" in page.content.decode()
    response = client.post(
        reverse("accounts:profile"),
        {"first_name": "Julie", "last_name": "Lampron", "language": "fr-ca", "grammatical_gender": "f"},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.first_name, person.grammatical_gender) == ("Julie", "f")


def test_a_wrong_choice_is_refused_and_nothing_is_saved(advisor, client_for):
    response = client_for(advisor).post(
        reverse("accounts:profile"),
        {"first_name": "Julie", "last_name": "Lampron", "language": "fr-ca", "grammatical_gender": "x"},
    )
    assert response.status_code == 400
    advisor.refresh_from_db()
    assert advisor.grammatical_gender == ""


def test_employers_keep_their_company_profile(employer_a, client_for):
    page = client_for(employer_a).get(reverse("accounts:profile")).content.decode()
    assert "NEQ" in page and "Accord des phrases" not in page


@pytest.mark.parametrize(
    ("value", "busiest"),
    [("f", "la plus chargée"), ("m", "le plus chargé"), ("", "charge la plus élevée")],
)
def test_the_dashboard_badge_agrees_with_the_adviser(
    bookable, employer_a, manager, client_for, frozen_now, value, busiest
):
    gender(bookable.advisor_a.user, value)
    factories.AdvisorFactory(home_service_point=bookable.point_a)  # a colleague with nothing booked
    book(bookable, employer_a)  # adviser A now has the heaviest load
    page = (
        client_for(manager)
        .get(reverse("midi_regions:dashboard", kwargs={"code": manager.managed_directorate.code}))
        .content.decode()
    )
    assert f'{bookable.advisor_a} <span class="badge badge--warning">{busiest}</span>' in page


@pytest.mark.parametrize(
    ("value", "subject"),
    [
        ("f", "Votre conseillère a confirmé le rendez-vous"),
        ("m", "Votre conseiller a confirmé le rendez-vous"),
        ("", "Votre conseillère ou conseiller a confirmé le rendez-vous"),
    ],
)
def test_the_employers_email_agrees_with_the_adviser(
    bookable, employer_a, frozen_now, commits_at_once, value, subject
):
    gender(bookable.advisor_a.user, value)
    appointment = book(bookable, employer_a)
    mail.outbox.clear()
    notifications.send_appointment_email(
        appointment_id=appointment.pk, event="advisor_confirmed", sequence=appointment.sequence
    )
    (message,) = mail.outbox
    assert message.subject.startswith(f"{subject} – ")
    with translation.override("en"):
        assert str(agree(notifications.EVENTS["advisor_confirmed"][0], bookable.advisor_a.user)) == (
            "Your adviser confirmed the appointment"
        )


def test_the_directorate_page_names_its_manager_in_agreement(network, manager, client_for):
    gender(manager, "f")
    url = reverse("midi_regions:directorate", kwargs={"code": manager.managed_directorate.code})
    assert "Directrice régionale\xa0:" in client_for(manager).get(url).content.decode()
    gender(manager, "m")
    assert "Directeur régional\xa0:" in client_for(manager).get(url).content.decode()
