"""Reads for the network overview pages (directorates, regions)."""

from django.db.models import Count, Min, Prefetch, Q, QuerySet

from advisors.models import Advisor
from core.collation import french, name_order
from midi_regions.models import AdministrativeRegion, RegionalDirectorate
from service_points.models import ServicePoint


def directorates_with_counts(
    directorates: QuerySet[RegionalDirectorate],
) -> QuerySet[RegionalDirectorate]:
    """Each directorate with its counts of regions, active service points and active advisers."""
    return (
        directorates.select_related("manager")
        .annotate(
            region_count=Count("regions", distinct=True),
            service_point_count=Count(
                "regions__municipalities__service_points",
                filter=Q(regions__municipalities__service_points__is_active=True),
                distinct=True,
            ),
            advisor_count=Count(
                "regions__municipalities__service_points__home_advisors",
                filter=Q(regions__municipalities__service_points__home_advisors__is_active=True),
                distinct=True,
            ),
        )
        .order_by("name_fr")
    )


def directorate_overview(directorate: RegionalDirectorate) -> dict:
    """Regions, service points and advisers of one directorate, for its manager."""
    regions = list(
        AdministrativeRegion.objects.filter(directorate=directorate)
        .annotate(
            service_point_count=Count(
                "municipalities__service_points",
                filter=Q(municipalities__service_points__is_active=True),
            )
        )
        .order_by("code")
    )
    service_points = list(
        ServicePoint.objects.filter(municipality__region__directorate=directorate, is_active=True)
        .select_related("municipality__region")
        .order_by("municipality__region__code", french("municipality__name"), french("host_office"))
    )
    advisors = list(
        Advisor.objects.filter(home_service_point__municipality__region__directorate=directorate)
        .select_related("user", "home_service_point__municipality")
        .prefetch_related(
            "languages",
            "topics",
            Prefetch("service_points", queryset=ServicePoint.objects.select_related("municipality")),
        )
        .order_by(*name_order("user"))
    )
    return {
        "directorate": directorate,
        "regions": regions,
        "service_points": service_points,
        "advisors": advisors,
    }


def directorates_to_contact() -> QuerySet[RegionalDirectorate]:
    """Each directorate with its public contact and the regions it covers (2 queries), for
    "Contact us", in the order of the regions' official codes (01 Bas-Saint-Laurent first)."""
    return (
        RegionalDirectorate.objects.annotate(first_region=Min("regions__code"))
        .prefetch_related(Prefetch("regions", queryset=AdministrativeRegion.objects.order_by("code")))
        .order_by("first_region", "name_fr")
    )
