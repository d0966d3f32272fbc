"""Reads: the public directory of service points, and finding the place a person typed."""

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet

from advisors.models import Advisor, Language
from core.collation import french
from midi_regions.models import AdministrativeRegion
from service_points.distance import great_circle_km
from service_points.models import Municipality, ServicePoint
from service_points.places import PlaceMatch, PlaceResults, find_places
from service_points.territory import points_serving


def service_points_with_details() -> QuerySet[ServicePoint]:
    """Active service points with region, hours and active advisers' languages: 4 queries."""
    return (
        ServicePoint.objects.filter(is_active=True)
        .select_related("municipality__region__directorate")
        .prefetch_related(
            "opening_hours",
            Prefetch(
                "advisors",
                queryset=Advisor.objects.filter(is_active=True).prefetch_related("languages"),
                to_attr="active_advisors",
            ),
        )
    )


def advisor_languages(service_point: ServicePoint) -> list[Language]:
    """Languages spoken by the active advisers of a point (needs service_points_with_details)."""
    languages = {lang.code: lang for a in service_point.active_advisors for lang in a.languages.all()}
    return sorted(languages.values(), key=lambda lang: (lang.code != "fr", lang.code != "en", lang.name))


@dataclass
class RegionGroup:
    region: AdministrativeRegion
    municipalities: dict[Municipality, list[ServicePoint]] = field(default_factory=dict)

    @property
    def service_point_count(self) -> int:
        return sum(len(points) for points in self.municipalities.values())


@dataclass
class Directory:
    """The directory's answer: points grouped by region then municipality; for a typed place, the
    place it names (or the suggestions to pick from) and the nearest points with their distance."""

    groups: list[RegionGroup]
    places: PlaceResults | None = None
    nearby: list["NearbyPoint"] = field(default_factory=list)

    @property
    def place(self) -> PlaceMatch | None:
        return self.places.chosen if self.places else None

    @property
    def suggestions(self) -> list[PlaceMatch]:
        return self.places.matches if self.places and self.place is None else []

    @property
    def result_count(self) -> int:
        return sum(g.service_point_count for g in self.groups)


NEARBY_COUNT = 3


def service_point_directory(*, region_code: str = "", query: str = "") -> Directory:
    """Service points grouped by region then municipality, filtered by region and by what was
    typed: a place (find_places: its points, and the nearest others with their distance) or an
    office's name."""
    points = service_points_with_details()
    if region_code:
        points = points.filter(municipality__region__code=region_code)
    places = find_places(query) if query else None
    place = places.chosen if places else None
    if query:
        wanted = Q(host_office__icontains=query)
        if place is not None:
            wanted |= Q(municipality=place.municipality)
        points = points.filter(wanted)
    groups: dict[str, RegionGroup] = {}
    order = ("municipality__region__code", french("municipality__name"), french("host_office"))
    for point in points.order_by(*order):
        point.languages = advisor_languages(point)
        region = point.municipality.region
        group = groups.setdefault(region.code, RegionGroup(region=region))
        group.municipalities.setdefault(point.municipality, []).append(point)
    directory = Directory(list(groups.values()), places)
    if place is not None:
        shown = {p.pk for g in directory.groups for ps in g.municipalities.values() for p in ps}
        nearest = nearest_service_points(
            latitude=place.latitude,
            longitude=place.longitude,
            limit=NEARBY_COUNT + len(shown),
            serving=points_serving(place.municipality),
        )
        directory.nearby = [n for n in nearest if n.point.pk not in shown][:NEARBY_COUNT]
    return directory


def service_point_by_code(code: str) -> ServicePoint:
    """One active service point with its details and territory; raises ServicePoint.DoesNotExist."""
    point = (
        service_points_with_details().prefetch_related("territory_regions", "territory_mrcs").get(code=code)
    )
    point.languages = advisor_languages(point)
    return point


@dataclass(frozen=True)
class NearbyPoint:
    point: ServicePoint
    distance_km: float
    in_territory: bool | None = None  # None: no point serves the place (service_points.territory)


def nearest_service_points(
    *, latitude: float, longitude: float, limit: int = 3, serving: frozenset[int] = frozenset()
) -> list[NearbyPoint]:
    """The active service points nearest a position, as the crow flies (4 queries); with `serving`
    (the points whose territory covers the place), those first."""
    points = list(service_points_with_details())
    for point in points:
        point.languages = advisor_languages(point)
    nearby = [
        NearbyPoint(
            p,
            great_circle_km(latitude, longitude, p.latitude, p.longitude),
            p.pk in serving if serving else None,
        )
        for p in points
    ]
    return sorted(nearby, key=lambda n: (n.in_territory is False, n.distance_km, n.point.host_office))[:limit]


def directions_url(point: ServicePoint) -> str:
    """Directions to the point on OpenStreetMap: a plain link, the start left to the person (no
    map, script or tile on our pages)."""
    return f"https://www.openstreetmap.org/directions?route=%3B{point.latitude:.5f}%2C{point.longitude:.5f}"
