"""Sectorisation: the territory a service point serves, a set of regions and MRCs.

An employer is offered first the points whose territory covers their municipality (slot search:
appointments.selectors; routing: consultations.routing); a point outside it — across the
St. Lawrence, in another directorate — only when none of those has a time.
"""

from dataclasses import dataclass

from service_points.models import Municipality, ServicePoint

RegionsServed = ServicePoint.territory_regions.through
MrcsServed = ServicePoint.territory_mrcs.through


@dataclass(frozen=True)
class Territory:
    """What one point serves: ids of administrative regions and of MRCs."""

    regions: frozenset[int] = frozenset()
    mrcs: frozenset[int] = frozenset()

    def covers(self, municipality: Municipality) -> bool:
        return municipality.region_id in self.regions or municipality.mrc_id in self.mrcs


def territories() -> dict[int, Territory]:
    """Every point's territory, by point id (points that serve nothing are absent): 2 queries."""
    regions: dict[int, set[int]] = {}
    mrcs: dict[int, set[int]] = {}
    for point_id, region_id in RegionsServed.objects.values_list(
        "servicepoint_id", "administrativeregion_id"
    ):
        regions.setdefault(point_id, set()).add(region_id)
    for point_id, mrc_id in MrcsServed.objects.values_list("servicepoint_id", "mrc_id"):
        mrcs.setdefault(point_id, set()).add(mrc_id)
    return {
        pk: Territory(frozenset(regions.get(pk, ())), frozenset(mrcs.get(pk, ())))
        for pk in regions.keys() | mrcs.keys()
    }


def covering(kept: dict[int, Territory], municipality: Municipality) -> frozenset[int]:
    """Ids of the points whose territory (from `territories()`) covers the municipality."""
    return frozenset(pk for pk, territory in kept.items() if territory.covers(municipality))


def points_serving(municipality: Municipality) -> frozenset[int]:
    """Ids of the points whose territory covers the municipality: 1 query."""
    by_region = RegionsServed.objects.filter(administrativeregion_id=municipality.region_id).values_list(
        "servicepoint_id"
    )
    by_mrc = MrcsServed.objects.filter(mrc_id=municipality.mrc_id).values_list("servicepoint_id")
    return frozenset(pk for (pk,) in by_region.union(by_mrc))
