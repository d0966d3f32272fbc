"""Territory before distance: slot search and routing offer first the points whose territory covers
the employer's municipality, and the others only when none of those has a time, labelled so."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisors.models import TimeOff
from appointments import selectors
from appointments.models import Mode, Topic
from consultations.routing import ranked_advisors
from service_points.distance import great_circle_km
from service_points.models import Municipality, ServicePoint
from tests import factories
from tests.booking_helpers import NOW, make_request, open_weekdays, search_params

# The towns of issue 27, each with the point that must come first (Kuujjuaq, the farthest north,
# is served from Chibougamau: Nord-du-Québec's point).
REMOTE_TOWNS = {
    "Gaspé": {"gaspe"},
    "Les Îles-de-la-Madeleine": {"gaspe", "carleton-sur-mer"},
    "Sept-Îles": {"sept-iles"},
    "Baie-Comeau": {"baie-comeau"},
    "Matane": {"matane"},
    "Rimouski": {"rimouski", "rimouski-midi"},
    "La Tuque": {"la-tuque"},
    "Chibougamau": {"chibougamau"},
    "Kuujjuaq": {"chibougamau"},
}


@pytest.fixture
def seeded(db, frozen_now):
    call_command("seed_network")
    return Topic.objects.filter(is_active=True).order_by("position").first()


def test_remote_towns_get_a_point_of_their_territory_first(seeded):
    for name, expected in REMOTE_TOWNS.items():
        town = Municipality.objects.get(name=name)
        for mode in (Mode.SERVICE_POINT, Mode.PHONE):
            search = selectors.available_slots(topic=seeded, mode=mode, location=town)
            assert search.groups, (name, mode)
            assert not search.outside_territory
            assert all(group.option.in_territory for group in search.groups), (name, mode)
        first = selectors.available_slots(topic=seeded, mode=Mode.SERVICE_POINT, location=town).groups[0]
        assert first.service_point.code in expected, name
        decision = ranked_advisors(make_request_at(town, seeded))
        assert decision[0].in_territory, name
        assert town.region in decision_regions(decision[:1])


def test_the_river_is_not_crossed_while_the_own_shore_has_time(seeded):
    """Matane's nearest other point is Baie-Comeau, across the river; Baie-Comeau's is Rimouski;
    Kuujjuaq is nearer Sept-Îles than Chibougamau (another directorate): none of them is offered."""
    for name, across in (("Matane", "baie-comeau"), ("Baie-Comeau", "rimouski"), ("Kuujjuaq", "sept-iles")):
        town = Municipality.objects.get(name=name)
        point = ServicePoint.objects.get(code=across)
        own = ServicePoint.objects.filter(municipality__region=town.region).exclude(municipality=town)
        nearest_own = min(km_between(town, p) for p in own)
        assert km_between(town, point) < nearest_own  # straight-line distance alone would cross
        search = selectors.available_slots(
            topic=seeded, mode=Mode.SERVICE_POINT, location=town, groups=10, days_per_group=None
        )
        assert across not in {group.service_point.code for group in search.groups}, name


def km_between(town, point) -> float:
    return great_circle_km(town.latitude, town.longitude, point.latitude, point.longitude)


def make_request_at(town, topic):
    return make_request(SimpleNamespace(topic=topic), municipality=town, mode=Mode.SERVICE_POINT)


def decision_regions(ranked):
    points = ServicePoint.objects.select_related("municipality__region").in_bulk(
        [r.service_point_id for r in ranked]
    )
    return {points[r.service_point_id].municipality.region for r in ranked}


@pytest.fixture
def sectorised(network):
    """The small network with each point serving its own region (Mauricie, Montréal)."""
    network.point_a.territory_regions.add(network.region_a)
    network.point_b.territory_regions.add(network.region_b)
    return network


def test_a_point_outside_the_territory_is_offered_only_when_none_inside_has_time(
    sectorised, employer_a, client_for, frozen_now
):
    open_weekdays(sectorised.advisor_b)  # Montréal only: Trois-Rivières's adviser has no hours
    search = selectors.available_slots(
        topic=sectorised.topic, mode=Mode.SERVICE_POINT, location=sectorised.municipality_a
    )
    assert [g.service_point for g in search.groups] == [sectorised.point_b]
    assert search.outside_territory and search.groups[0].outside_territory
    client = client_for(employer_a)
    page = client.get(reverse("appointments:slots"), search_params(sectorised)).content.decode()
    assert "Hors territoire" in page and "à vol d’oiseau" in page

    open_weekdays(sectorised.advisor_a)
    search = selectors.available_slots(
        topic=sectorised.topic, mode=Mode.SERVICE_POINT, location=sectorised.municipality_a, groups=5
    )
    assert [g.service_point for g in search.groups] == [sectorised.point_a]
    assert not search.outside_territory
    page = client.get(reverse("appointments:slots"), search_params(sectorised)).content.decode()
    assert "Hors territoire" not in page


def test_a_later_time_inside_the_territory_wins_over_an_earlier_one_outside(sectorised, frozen_now):
    """The booking page skips empty weeks (skip_empty): it moves on to the territory's first free
    time rather than offering the other directorate's point now."""
    open_weekdays(sectorised.advisor_b)
    open_weekdays(sectorised.advisor_a)
    TimeOff.objects.create(advisor=sectorised.advisor_a, starts_at=NOW, ends_at=NOW + timedelta(days=21))
    search = selectors.available_slots(
        topic=sectorised.topic,
        mode=Mode.SERVICE_POINT,
        location=sectorised.municipality_a,
        days_per_group=None,
        skip_empty=True,
    )
    assert [g.service_point for g in search.groups] == [sectorised.point_a]
    assert search.window_start >= (NOW + timedelta(days=21)).date()


def test_routing_prefers_the_territory_then_tries_the_others(sectorised, frozen_now):
    # An employer of the Montréal region whose town lies next to Trois-Rivières's point (a
    # made-up place: the property holds wherever the places are).
    town = factories.MunicipalityFactory(
        region=sectorised.region_b, mrc=sectorised.municipality_b.mrc, latitude=46.36, longitude=-72.56
    )
    ranked = ranked_advisors(make_request(sectorised, municipality=town, mode=Mode.PHONE))
    assert [r.advisor_id for r in ranked] == [sectorised.advisor_b.pk, sectorised.advisor_a.pk]
    assert [r.in_territory for r in ranked] == [True, False]
    assert ranked[0].distance_km > ranked[1].distance_km


def test_without_territories_nothing_is_in_or_out(network, frozen_now):
    open_weekdays(network.advisor_a)
    open_weekdays(network.advisor_b)
    search = selectors.available_slots(
        topic=network.topic, mode=Mode.SERVICE_POINT, location=network.municipality_a
    )
    assert len(search.groups) == 2
    assert {g.option.in_territory for g in search.groups} == {None}
    assert not search.outside_territory


# -- Property: no point outside the territory ranks above one inside that has a free time. -----

advisers = st.lists(
    st.tuples(
        st.booleans(),  # the adviser's point serves the employer's region
        st.booleans(),  # the adviser has opening hours (a free time)
        st.floats(min_value=0, max_value=3),  # degrees of latitude from the employer
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(advisers=advisers, mode=st.sampled_from([Mode.SERVICE_POINT, Mode.PHONE, Mode.PREMISES]))
def test_no_point_outside_the_territory_ranks_above_one_inside_with_a_free_time(
    sectorised, frozen_now, advisers, mode
):
    with transaction.atomic():
        inside_with_time = set()
        for serves, has_hours, offset in advisers:
            region = sectorised.region_a if serves else sectorised.region_b
            town = factories.MunicipalityFactory(region=region, latitude=46.35 + offset, longitude=-72.55)
            point = factories.ServicePointFactory(municipality=town)
            point.territory_regions.add(region)
            advisor = factories.AdvisorFactory(
                home_service_point=point, knows=[sectorised.topic], travel_radius_km=500
            )
            if has_hours:
                open_weekdays(advisor)
                if serves:
                    inside_with_time.add(advisor.pk)
        search = selectors.available_slots(
            topic=sectorised.topic, mode=mode, location=sectorised.municipality_a, groups=10
        )
        flags = [group.option.in_territory for group in search.groups]
        assert flags == sorted(flags, reverse=True)  # inside first
        if inside_with_time:
            assert all(flags)
            assert inside_with_time <= {group.advisor.pk for group in search.groups}
        transaction.set_rollback(True)
