"""Public pages: the directory of service points."""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from midi_regions.models import AdministrativeRegion
from service_points import selectors
from service_points.forms import MunicipalityField
from service_points.models import ServicePoint


def directory(request):
    region_code = request.GET.get("region", "").strip()
    query = request.GET.get("q", "").strip()[:100]
    regions = list(AdministrativeRegion.objects.all())
    if region_code and region_code not in {r.code for r in regions}:
        region_code = ""
    found = selectors.service_point_directory(region_code=region_code, query=query)
    return render(
        request,
        "service_points/directory.html",
        {"directory": found, "regions": regions, "region_code": region_code, "query": query},
    )


def detail(request, code: str):
    try:
        point = selectors.service_point_by_code(code)
    except ServicePoint.DoesNotExist:
        raise Http404 from None
    # "Book here": the booking form filled in for a meeting at a point, from this point's town
    # (its points serve it first); a visitor signs in on the way.
    book = {
        "edit": "",
        "mode": "service_point",
        "municipality": MunicipalityField.label_for(point.municipality),
    }
    return render(
        request,
        "service_points/detail.html",
        {
            "point": point,
            "book_url": f"{reverse('appointments:book')}?{urlencode(book)}",
            "directions_url": selectors.directions_url(point),
        },
    )
