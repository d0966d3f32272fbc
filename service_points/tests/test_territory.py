"""Sectorisation data: what a point's territory covers, how the seed sets it for the 61 points,
and that a change reaches the slot search's catalogue kept in memory."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from appointments.catalogue import catalogue
from core.catalogue import current_generation
from midi_regions.models import AdministrativeRegion
from service_points.models import Municipality, ServicePoint
from service_points.selectors import service_point_directory
from service_points.territory import Territory, covering, points_serving, territories
from tests import factories

# Where each region lies, for the St. Lawrence rule of midi_regions.seeding.seed_territories.
NORTH_SHORE = {"02", "03", "04", "07", "08", "09", "10", "14", "15"}
SOUTH_SHORE = {"01", "05", "11", "12", "16", "17"}
ISLANDS = {"06", "13"}


@pytest.fixture
def seeded(db):
    call_command("seed_network")


def test_the_shores_name_every_region_once():
    assert {f"{n:02d}" for n in range(1, 18)} == NORTH_SHORE | SOUTH_SHORE | ISLANDS
    assert not (NORTH_SHORE & SOUTH_SHORE or NORTH_SHORE & ISLANDS or SOUTH_SHORE & ISLANDS)


def test_a_territory_covers_its_regions_and_its_mrcs(network):
    other_mrc = factories.MrcFactory(region=network.region_b)
    inside_by_mrc = factories.MunicipalityFactory(region=network.region_b, mrc=other_mrc)
    territory = Territory(regions=frozenset({network.region_a.pk}), mrcs=frozenset({other_mrc.pk}))
    assert territory.covers(network.municipality_a)
    assert territory.covers(inside_by_mrc)
    assert not territory.covers(network.municipality_b)


def test_points_serving_reads_both_tables_in_one_query(network, django_assert_num_queries):
    network.point_a.territory_regions.add(network.region_a)
    network.point_b.territory_mrcs.add(network.municipality_a.mrc)
    with django_assert_num_queries(1):
        serving = points_serving(network.municipality_a)
    assert serving == {network.point_a.pk, network.point_b.pk}
    assert points_serving(network.municipality_b) == frozenset()
    with django_assert_num_queries(2):
        kept = territories()
    assert covering(kept, network.municipality_a) == serving


def test_the_seed_gives_every_point_its_own_region(seeded):
    points = ServicePoint.objects.select_related("municipality__region").prefetch_related(
        "territory_regions", "territory_mrcs"
    )
    assert len(points) == 61
    for point in points:
        assert [r.code for r in point.territory_regions.all()] == [point.municipality.region.code]
        assert not point.territory_mrcs.all()


def test_no_point_serves_the_other_shore_or_another_directorate(seeded):
    for point in ServicePoint.objects.select_related("municipality__region"):
        own = point.municipality.region
        served = {r.code: r for r in point.territory_regions.all()}
        served |= {m.region.code: m.region for m in point.territory_mrcs.select_related("region")}
        for code, region in served.items():
            assert region.directorate_id == own.directorate_id, (point.code, code)
            for shore in (NORTH_SHORE, SOUTH_SHORE, ISLANDS):
                assert (code in shore) == (own.code in shore), (point.code, code)


def test_every_municipality_is_in_some_point_s_territory(seeded):
    kept = territories()
    served_regions = {r for t in kept.values() for r in t.regions}
    assert set(AdministrativeRegion.objects.values_list("pk", flat=True)) <= served_regions
    assert not Municipality.objects.exclude(region__in=served_regions).exists()


def test_the_seed_keeps_a_territory_an_administrator_changed(seeded):
    point = ServicePoint.objects.get(code="la-tuque")
    haute_mauricie = Municipality.objects.get(name="La Tuque").mrc
    point.territory_regions.clear()
    point.territory_mrcs.set([haute_mauricie])
    call_command("seed_network")
    assert not point.territory_regions.exists()
    assert list(point.territory_mrcs.all()) == [haute_mauricie]


def test_offices_of_one_city_are_distinct_points(seeded):
    by_city: dict[str, set] = {}
    for point in ServicePoint.objects.select_related("municipality"):
        by_city.setdefault(point.municipality.code, set()).add((point.latitude, point.longitude))
    counts = ServicePoint.objects.values_list("municipality__code", flat=True)
    for code, positions in by_city.items():
        assert len(positions) == list(counts).count(code), code


def test_a_territory_change_reaches_the_kept_catalogue(network):
    before = catalogue()
    assert before.territories == {}
    generation = current_generation()
    network.point_a.territory_regions.add(network.region_a)
    assert current_generation() != generation
    assert catalogue().territories[network.point_a.pk].regions == {network.region_a.pk}
    network.point_a.territory_regions.clear()
    network.point_b.territory_mrcs.add(network.municipality_b.mrc)
    after = catalogue().territories
    assert network.point_a.pk not in after
    assert after[network.point_b.pk].mrcs == {network.municipality_b.mrc_id}


def test_the_directory_lists_a_town_s_own_shore_first(seeded, client):
    """Les Escoumins has no point; Rivière-du-Loup and Rimouski, across the river, are nearer as
    the crow flies than Baie-Comeau: the directory lists Côte-Nord's points first, and labels the
    others."""
    directory = service_point_directory(query="Les Escoumins")
    assert [n.point.municipality.name for n in directory.nearby] == [
        "Baie-Comeau",
        "Sept-Îles",
        "Rivière-du-Loup",
    ]
    assert [n.in_territory for n in directory.nearby] == [True, True, False]
    html = client.get(reverse("service_points:directory"), {"q": "Les Escoumins"}).content.decode()
    assert html.count("Hors territoire") == 1
