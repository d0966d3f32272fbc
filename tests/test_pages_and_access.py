"""Public pages in both languages, and who may see the role pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import EmployerProfile
from service_points.distance import great_circle_km
from tests.inputs import valid_profile

pytestmark = pytest.mark.django_db


def test_home_is_french_by_default_with_an_english_switch(client, network):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'lang="fr-CA"' in html
    assert "conseiller" in html.lower()
    english = client.get("/en/")
    assert english.status_code == 200
    assert 'lang="en"' in english.content.decode()
    assert "adviser" in english.content.decode().lower()


def test_urls_are_translated(network):
    assert reverse("service_points:directory") == "/points-de-service/"
    with translation.override("en"):
        assert reverse("service_points:directory") == "/en/service-points/"


def test_directory_lists_points_by_region_with_hours_and_languages(client, network):
    response = client.get(reverse("service_points:directory"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "04 – Mauricie" in html and "06 – Montréal" in html
    assert network.point_a.host_office in html
    assert "8 h 30" in html  # Québec time format
    assert "Anglais" in html  # advisers' languages


def test_directory_filters_by_region_and_text(client, network):
    html = client.get(reverse("service_points:directory"), {"region": "04"}).content.decode()
    assert network.point_a.host_office in html and network.point_b.host_office not in html
    html = client.get(reverse("service_points:directory"), {"q": "montr"}).content.decode()
    found, _sep, nearby = html.partition('id="nearby-title"')
    assert network.point_b.host_office in found and network.point_a.host_office not in found
    # The other points follow, nearest first, with their distance as the crow flies.
    assert network.point_a.host_office in nearby and "km à vol d’oiseau" in nearby
    # An unknown region is ignored, not an error.
    assert client.get(reverse("service_points:directory"), {"region": "99"}).status_code == 200


def test_directory_query_count_does_not_grow_with_points(client, network):
    from tests.factories import AdvisorFactory, ServicePointFactory

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("service_points:directory"))
    for _ in range(5):
        point = ServicePointFactory(municipality=network.municipality_a)
        AdvisorFactory(home_service_point=point)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("service_points:directory"))
    assert len(many) == len(few)


def test_service_point_detail_and_404(client, network):
    assert client.get(reverse("service_points:detail", args=[network.point_a.code])).status_code == 200
    assert client.get(reverse("service_points:detail", args=["nowhere"])).status_code == 404


def test_about_page(client, network):
    response = client.get(reverse("about"))
    assert response.status_code == 200
    assert "162" in response.content.decode()


def test_my_space_sends_each_role_to_its_page(
    client_for, employer_a, advisor, manager, administrator, new_user
):
    assert client_for(None).get(reverse("accounts:home")).status_code == 302
    cases = {
        new_user: reverse("accounts:profile"),
        advisor: reverse("advisors:me"),
        manager: reverse("midi_regions:directorate", args=[manager.managed_directorate.code]),
        administrator: reverse("midi_regions:network"),
    }
    for user, target in cases.items():
        client = client_for(user)
        response = client.get(reverse("accounts:home"))
        assert response.status_code == 302 and response.url == target, user
        assert client.get(target).status_code == 200
        client.logout()
    assert client_for(employer_a).get(reverse("accounts:home")).status_code == 200


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("employer_a", 403),
        ("advisor", 403),
        ("manager", 200),
        ("other_manager", 404),
        ("administrator", 200),
    ],
)
def test_a_directorate_page_is_seen_only_by_its_manager_and_administrators(
    request, client_for, network, persona, expected
):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    url = reverse("midi_regions:directorate", args=[network.directorate_a.code])
    assert client_for(user).get(url).status_code == expected


def test_the_network_page_shows_a_manager_only_their_directorate(client_for, manager, network):
    html = client_for(manager).get(reverse("midi_regions:network")).content.decode()
    assert network.directorate_a.name_fr in html
    assert network.directorate_b.name_fr not in html


@pytest.mark.parametrize("persona", ["anonymous", "employer_a", "manager", "administrator"])
def test_only_advisers_see_the_adviser_page(request, client_for, persona):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    assert client_for(user).get(reverse("advisors:me")).status_code in (302, 403)


@pytest.mark.parametrize("persona", ["advisor", "manager", "administrator"])
def test_staff_cannot_create_an_employer_profile(request, client_for, network, persona):
    """Staff have a profile of their own (names, language, grammatical gender): no company form,
    and a company profile posted there creates no employer profile."""
    person = request.getfixturevalue(persona)
    client = client_for(person)
    page = client.get(reverse("accounts:profile"))
    assert page.status_code == 200 and 'name="neq"' not in page.content.decode()
    client.post(reverse("accounts:profile"), valid_profile(network.municipality_a))
    assert not EmployerProfile.objects.filter(user=person).exists()


def test_admin_lists_work_for_an_administrator(client_for, administrator, network):
    client = client_for(administrator)
    for name in (
        "admin:midi_regions_regionaldirectorate_changelist",
        "admin:midi_regions_administrativeregion_changelist",
        "admin:service_points_servicepoint_changelist",
        "admin:service_points_municipality_changelist",
        "admin:advisors_advisor_changelist",
        "admin:appointments_topic_changelist",
        "admin:accounts_company_changelist",
        "admin:accounts_user_changelist",
    ):
        assert client.get(reverse(name), {"q": "a"}).status_code == 200, name
    with translation.override("en"):
        assert client.get(reverse("admin:service_points_servicepoint_changelist")).status_code == 200


def test_great_circle_distance_matches_known_values():
    montreal, quebec = (45.50884, -73.58781), (46.81228, -71.21454)
    assert great_circle_km(*montreal, *quebec) == pytest.approx(233, abs=3)
    assert great_circle_km(*montreal, *montreal) == 0
