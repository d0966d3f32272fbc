"""Reads for the public directory of service points."""

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet

from advisors.models import Advisor, Language
from core.collation import french
from midi_regions.models import AdministrativeRegion
from service_points.models import Municipality, ServicePoint


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


def service_point_directory(*, region_code: str = "", query: str = "") -> list[RegionGroup]:
    """Service points grouped by region then municipality, filtered by region and free text."""
    points = service_points_with_details()
    if region_code:
        points = points.filter(municipality__region__code=region_code)
    if query:
        points = points.filter(
            Q(municipality__name__icontains=query)
            | Q(host_office__icontains=query)
            | Q(postal_code__icontains=query)
        )
    groups: dict[str, RegionGroup] = {}
    order = ("municipality__region__code", french("municipality__name"), french("host_office"))
    for point in points.order_by(*order):
        point.languages = advisor_languages(point)
        region = point.municipality.region
        group = groups.setdefault(region.code, RegionGroup(region=region))
        group.municipalities.setdefault(point.municipality, []).append(point)
    return list(groups.values())


def service_point_by_code(code: str) -> ServicePoint:
    """One active service point with its details; raises ServicePoint.DoesNotExist."""
    point = service_points_with_details().get(code=code)
    point.languages = advisor_languages(point)
    return point
