"""An employer signs up, verifies the email address, signs in and describes the company."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from accounts.models import Company, EmployerProfile, User
from tests.inputs import OTHER_DIGITS, PASSWORD, to_script, valid_profile

pytestmark = pytest.mark.django_db


def test_signup_verification_login_and_profile(client, network):
    response = client.post(
        reverse("account_signup"),
        {"email": "Josee@Boulangerie.example", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    user = User.objects.get(email="josee@boulangerie.example")
    # Mandatory verification: no session until the link is followed.
    assert client.get(reverse("accounts:home")).status_code == 302

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["josee@boulangerie.example"]
    assert "Confirmez" in message.subject or "confirm" in message.subject.lower()
    link = re.search(r"https?://[^/\s]+(/\S*confirm-email/\S+/)", message.body)
    assert link, message.body
    path = link.group(1)
    assert client.get(path).status_code == 200
    response = client.post(path)
    assert response.status_code == 302

    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "josee@boulangerie.example", "password": PASSWORD}
    )
    assert response.status_code == 302
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302 and response.url == reverse("accounts:profile")

    response = client.post(reverse("accounts:profile"), valid_profile(network.municipality_a))
    assert response.status_code == 302
    profile = EmployerProfile.objects.select_related("company").get(user=user)
    assert profile.company.neq == "1143123456"
    assert profile.company.postal_code == "G9A 2G4"
    assert profile.company.municipality == network.municipality_a
    home = client.get(reverse("accounts:home"))
    assert home.status_code == 200
    assert "Boulangerie du Cap inc." in home.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("neq", "12345", "exactement 10 chiffres"),
        ("neq", "11431234AB", "exactement 10 chiffres"),
        ("postal_code", "12345", "code postal canadien valide"),
        ("postal_code", "G9A 5D9", "code postal canadien valide"),
        ("municipality", "Atlantis", "Aucune municipalité ne correspond à « Atlantis »"),
    ],
)
def test_bad_input_is_rejected_in_french_and_nothing_is_saved(
    client_for, new_user, network, field, value, message
):
    client = client_for(new_user)
    response = client.post(
        reverse("accounts:profile"), valid_profile(network.municipality_a, **{field: value})
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Company.objects.exists()
    assert not EmployerProfile.objects.exists()
    new_user.refresh_from_db()
    assert new_user.first_name != "Josée"


def test_a_neq_registered_by_another_company_is_refused(client_for, new_user, employer_a, network):
    taken = employer_a.employer_profile.company.neq
    response = client_for(new_user).post(
        reverse("accounts:profile"), valid_profile(network.municipality_a, neq=taken)
    )
    assert response.status_code == 400
    assert "déjà inscrite" in response.content.decode()
    assert Company.objects.count() == 1


def test_duplicate_email_is_refused(client, employer_a):
    response = client.post(
        reverse("account_signup"),
        {"email": employer_a.email.upper(), "password1": PASSWORD, "password2": PASSWORD},
    )
    # allauth answers like a success to avoid revealing accounts, but never creates a second user.
    assert User.objects.filter(email__iexact=employer_a.email).count() == 1
    assert response.status_code in (200, 302)


def test_employer_edits_the_profile_in_english(client_for, employer_a, network):
    client = client_for(employer_a)
    company = employer_a.employer_profile.company
    data = valid_profile(network.municipality_b, neq=company.neq, language="en", legal_name="Renamed Ltd")
    response = client.post(reverse("accounts:profile"), data)
    assert response.status_code == 302
    assert response.url.startswith("/en/")
    company.refresh_from_db()
    assert company.legal_name == "Renamed Ltd" and company.municipality == network.municipality_b
    assert Company.objects.count() == 1
    employer_a.refresh_from_db()
    assert employer_a.language == "en"


def test_english_error_messages_for_english_visitors(client_for, new_user, network):
    with translation.override("en"):
        url = reverse("accounts:profile")
    assert url.startswith("/en/")
    response = client_for(new_user).post(url, valid_profile(network.municipality_a, neq="123"))
    assert response.status_code == 400
    assert "exactly 10 digits" in response.content.decode()


def test_ambiguous_municipality_names_need_their_region(client_for, new_user, network):
    from tests.factories import MunicipalityFactory

    MunicipalityFactory(name="Sainte-Marie", region=network.region_a)
    other = MunicipalityFactory(name="Sainte-Marie", region=network.region_b)
    client = client_for(new_user)
    response = client.post(
        reverse("accounts:profile"),
        valid_profile(network.municipality_a, municipality="Sainte-Marie"),
    )
    assert response.status_code == 400
    assert "Plusieurs municipalités portent le nom" in response.content.decode()
    response = client.post(
        reverse("accounts:profile"),
        valid_profile(network.municipality_a, municipality="sainte-marie (Montréal)"),
    )
    assert response.status_code == 302
    assert Company.objects.get().municipality == other


@pytest.mark.parametrize("script", OTHER_DIGITS)
def test_numbers_typed_in_another_script_are_saved_as_ascii_digits(client_for, new_user, network, script):
    data = valid_profile(
        network.municipality_a,
        neq=OTHER_DIGITS[script],
        postal_code=to_script("G9A 2G4", script),
        phone=to_script("819 555-0101", script),
    )
    response = client_for(new_user).post(reverse("accounts:profile"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    profile = EmployerProfile.objects.select_related("company").get(user=new_user)
    assert profile.company.neq == "1143123456"
    assert profile.company.postal_code == "G9A 2G4"
    assert profile.phone == "+18195550101"


@pytest.mark.parametrize("neq", ["١١٤٣١٢٣٤٥", "１１４３１２３４５６７", "¹¹⁴³¹²³⁴⁵⁶", "①①④③①②③④⑤⑥"])
def test_a_neq_of_other_characters_is_refused_with_the_usual_message(client_for, new_user, network, neq):
    response = client_for(new_user).post(
        reverse("accounts:profile"), valid_profile(network.municipality_a, neq=neq)
    )
    assert response.status_code == 400
    assert "exactement 10 chiffres" in response.content.decode()
    assert not Company.objects.exists()


def test_the_validators_read_only_ascii_digits():
    from django.core.exceptions import ValidationError

    from accounts.validators import validate_neq
    from service_points.validators import validate_postal_code

    for bad in ("１１４３１２３４５６", "٠١٢٣٤٥٦٧٨٩"):
        with pytest.raises(ValidationError):
            validate_neq(bad)  # the model's validator: what is stored must be ASCII
    with pytest.raises(ValidationError):
        validate_postal_code("G٩A 2G4")
