"""The "Contact us" page and the accessibility statement: public pages in both languages, linked from the foot
of every page, with the ministry's names and contacts from the settings and the directorates'
from the data."""

import html

import pytest
from django.urls import reverse
from django.utils import translation

from midi_regions.models import RegionalDirectorate
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def directorates(network):
    network.directorate_a.phone = "819 555-0110"
    network.directorate_a.email = "direction.mauricie@midi.example"
    network.directorate_a.address = "225, rue des Forges, bureau 300\nTrois-Rivières (Québec)  G9A 9N9"
    network.directorate_a.save()
    return network


def page(client, name) -> str:
    response = client.get(reverse(name))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_the_pages_have_french_and_english_addresses():
    assert reverse("contact") == "/nous-joindre/"
    assert reverse("accessibility") == "/accessibilite/"
    with translation.override("en"):
        assert reverse("contact") == "/en/contact-us/"
        assert reverse("accessibility") == "/en/accessibility/"


def test_contact_lists_each_directorate_with_its_phone_email_and_address(client, directorates):
    text = page(client, "contact")

    assert "<h1>Nous joindre</h1>" in text
    a = directorates.directorate_a
    # In the order of the regions' codes: Mauricie (04) before Montréal (06).
    assert text.index(a.name_fr) < text.index(directorates.directorate_b.name_fr)
    assert 'href="tel:+18195550110">819 555-0110</a>' in text
    assert 'href="mailto:direction.mauricie@midi.example"' in text
    assert "225, rue des Forges, bureau 300<br>Trois-Rivières (Québec)  G9A 9N9" in text
    assert "Régions\xa0: Mauricie" in text
    # A directorate without a contact yet shows its name and regions, and no empty link.
    assert 'href="tel:"' not in text and 'href="mailto:"' not in text
    assert reverse("service_points:directory") in text
    assert reverse("accessibility") in text


def test_the_ministrys_names_and_general_contact_come_from_the_settings(client, network, settings):
    settings.ORGANISATION = {**settings.ORGANISATION, "name_fr": "Ministère du Test et de l'Essai"}
    settings.ORGANISATION_CONTACT = {
        **settings.ORGANISATION_CONTACT,
        "phone": "418 555-0199",
        "email": "info@test.example",
        "accessibility_email": "a11y@test.example",
    }
    contact = page(client, "contact")
    assert "Ministère du Test et de l'Essai" in contact
    assert 'href="tel:+14185550199">418 555-0199</a>' in contact
    assert 'href="mailto:info@test.example"' in contact
    statement = page(client, "accessibility")
    assert 'href="mailto:a11y@test.example"' in statement
    assert 'href="tel:+14185550199"' in statement


def test_the_statement_names_the_standard_its_limits_and_how_to_report(client, network):
    text = page(client, "accessibility")
    assert "<h1>Déclaration d’accessibilité</h1>" in text
    assert "SGQRI 008 3.0" in text and "29 avril 2024" in text
    assert "partiellement conforme" in text
    for heading in ("Ce que fait le site", "Ouvrir une session sans test de mémoire", "Limites connues"):
        assert f">{heading}</h2>" in text
    assert "Signaler un problème" in text and reverse("contact") in text


def test_the_english_pages_are_in_english(client, network):
    with translation.override("en"):
        contact, statement = reverse("contact"), reverse("accessibility")
    assert "<h1>Contact us</h1>" in client.get(contact).content.decode()
    assert "<h1>Accessibility statement</h1>" in client.get(statement).content.decode()


@pytest.mark.parametrize("persona", [None, "employer_a", "advisor", "manager", "administrator"])
def test_every_page_links_both_from_its_footer(request, client_for, network, persona):
    user = request.getfixturevalue(persona) if persona else None
    text = client_for(user).get(reverse("about")).content.decode()
    footer = text.split('<footer class="site-footer">')[1]
    assert f'href="{reverse("contact")}"' in footer
    assert f'href="{reverse("accessibility")}"' in footer


def test_the_footer_marks_the_current_page(client, network):
    footer = client.get(reverse("contact")).content.decode().split('<footer class="site-footer">')[1]
    assert f'href="{reverse("contact")}" aria-current="page"' in footer


def test_contact_costs_a_fixed_number_of_queries(client, network, django_assert_max_num_queries):
    for n in range(5):
        factories.DirectorateFactory(code=f"extra-{n}", phone="418 555-0100")
    with django_assert_max_num_queries(6):
        client.get(reverse("contact"))
    assert RegionalDirectorate.objects.count() == 7
