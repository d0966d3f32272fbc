"""seed_network loads the real network's figures and is idempotent."""

from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Q
from django.urls import reverse

from accounts.models import User
from advisors.models import Advisor
from appointments.models import Topic
from midi_regions.models import AdministrativeRegion, RegionalDirectorate
from service_points.distance import great_circle_km
from service_points.models import Municipality, OpeningHours, ServicePoint

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    """Every row the seed writes, by natural key, to compare two runs."""
    return {
        "regions": sorted(AdministrativeRegion.objects.values_list("pk", "code", "directorate_id")),
        "directorates": sorted(RegionalDirectorate.objects.values_list("pk", "code", "manager_id")),
        "municipalities": Municipality.objects.count(),
        "points": sorted(ServicePoint.objects.values_list("pk", "code", "municipality_id", "postal_code")),
        "territories": sorted(ServicePoint.territory_regions.through.objects.values_list("pk")),
        "hours": sorted(
            OpeningHours.objects.values_list("pk", "service_point_id", "weekday", "opens", "closes")
        ),
        "advisors": sorted(Advisor.objects.values_list("pk", "user__email", "home_service_point_id")),
        "advisor_points": sorted(Advisor.service_points.through.objects.values_list("pk", flat=True)),
        "topics": sorted(Topic.objects.values_list("pk", "code", "duration_minutes")),
        "users": sorted(User.objects.values_list("pk", "email", "password")),
    }


@pytest.mark.postgres
def test_ci_database_is_postgresql():
    assert connection.vendor == "postgresql"


def test_it_loads_the_network_figures():
    call_command("seed_network")

    assert AdministrativeRegion.objects.count() == 17
    assert sorted(AdministrativeRegion.objects.values_list("code", flat=True)) == [
        f"{n:02d}" for n in range(1, 18)
    ]
    assert RegionalDirectorate.objects.count() == 6
    assert not RegionalDirectorate.objects.filter(manager=None).exists()
    # Each directorate's public contact ("Contact us").
    assert not RegionalDirectorate.objects.filter(Q(phone="") | Q(email="") | Q(address="")).exists()
    assert not RegionalDirectorate.objects.annotate(n=Count("regions")).filter(n=0).exists()
    assert ServicePoint.objects.count() == 61
    assert Municipality.objects.filter(service_points__isnull=False).distinct().count() >= 50
    assert Advisor.objects.count() == 55
    assert Topic.objects.count() == 6
    for region in AdministrativeRegion.objects.all():
        assert ServicePoint.objects.filter(municipality__region=region).exists(), region
        assert Advisor.objects.filter(home_service_point__municipality__region=region).exists(), region
    mauricie = Advisor.objects.filter(home_service_point__municipality__region__code="04")
    assert mauricie.count() == 7
    assert ServicePoint.objects.filter(
        municipality__name="La Tuque", municipality__region__code="04"
    ).exists()
    assert ServicePoint.objects.filter(
        municipality__name="Trois-Rivières", municipality__region__code="04"
    ).exists()
    assert mauricie.filter(service_points__municipality__name="La Tuque").exists()
    # Every service point has opening hours; every adviser speaks French and knows a topic.
    assert not ServicePoint.objects.filter(opening_hours=None).exists()
    assert not Advisor.objects.exclude(languages__code="fr").exists()
    assert not Advisor.objects.filter(topics=None).exists()


def test_it_uses_real_coordinates_from_the_gazetteer():
    call_command("seed_network")
    la_tuque = Municipality.objects.get(name="La Tuque")
    assert la_tuque.region.code == "04"
    assert la_tuque.latitude == pytest.approx(47.43337, abs=0.01)
    assert la_tuque.longitude == pytest.approx(-72.7824, abs=0.01)
    points = ServicePoint.objects.select_related("municipality")
    shared = Counter(point.municipality_id for point in points)
    for point in points:
        town = point.municipality
        if shared[town.pk] == 1:  # alone in its town: the town's position
            assert (point.latitude, point.longitude) == (town.latitude, town.longitude)
        else:  # one of a city's offices: its postal code's position, in the city
            assert great_circle_km(point.latitude, point.longitude, town.latitude, town.longitude) < 20
        assert point.postal_code[0] in "GHJ"


def test_running_it_twice_changes_nothing(capsys):
    call_command("seed_network", "--demo-users")
    first = snapshot()
    capsys.readouterr()
    call_command("seed_network", "--demo-users")
    assert snapshot() == first
    assert "nothing changed" in capsys.readouterr().out


def test_it_updates_a_partly_filled_database_in_place():
    call_command("seed_network")
    point = ServicePoint.objects.get(code=ServicePoint.objects.order_by("code").first().code)
    original_office = point.host_office
    point.host_office = "Bureau renommé à la main"
    point.save()
    point.opening_hours.all().delete()
    Advisor.objects.order_by("pk").first().topics.clear()
    AdministrativeRegion.objects.filter(code="17").update(name_fr="Nom erroné")

    call_command("seed_network")

    assert ServicePoint.objects.count() == 61
    point.refresh_from_db()
    assert point.host_office == original_office
    assert point.opening_hours.exists()
    assert not Advisor.objects.filter(topics=None).exists()
    assert AdministrativeRegion.objects.get(code="17").name_fr == "Centre-du-Québec"


def test_demo_users_can_sign_in_for_each_role(client):
    from accounts.access import Role, role_of
    from midi_regions.seeding import DEMO_ADMIN_EMAIL, DEMO_EMPLOYER_EMAIL, DEMO_PASSWORD

    call_command("seed_network", "--demo-users")
    manager = RegionalDirectorate.objects.exclude(manager=None).first().manager
    advisor = Advisor.objects.first().user
    expected = {
        DEMO_ADMIN_EMAIL: Role.ADMINISTRATOR,
        DEMO_EMPLOYER_EMAIL: Role.EMPLOYER,
        manager.email: Role.MANAGER,
        advisor.email: Role.ADVISOR,
    }
    for email, role in expected.items():
        response = client.post(reverse("account_login"), {"login": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        assert role_of(User.objects.get(email=email)) == role
        client.logout()
