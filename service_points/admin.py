from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.collation import french
from core.weekly_grid import WeeklyGridInline
from service_points.models import Municipality, OpeningHours, ServicePoint


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ("name", "region", "population", "time_zone", "latitude", "longitude", "geonames_id")
    list_filter = ("region", "time_zone")
    search_fields = ("name", "geonames_id")
    list_select_related = ("region",)
    ordering = (french("name").asc(),)


class OpeningHoursInline(WeeklyGridInline):
    """The point's week on one page: Monday to Sunday, each day's opening hours side by side."""

    model = OpeningHours
    start_field = "opens"
    end_field = "closes"


@admin.register(ServicePoint)
class ServicePointAdmin(admin.ModelAdmin):
    list_display = (
        "host_office",
        "municipality",
        "region",
        "host_type",
        "postal_code",
        "is_active",
    )
    list_filter = (
        "is_active",
        "host_type",
        "municipality__region__directorate",
        "municipality__region",
    )
    search_fields = ("host_office", "code", "municipality__name", "postal_code", "street_address")
    list_select_related = ("municipality__region",)
    # French order of places ("Châteauguay" before "Chibougamau"), no column marked as the sort.
    ordering = (french("municipality__name").asc(), french("host_office").asc())
    autocomplete_fields = ("municipality",)
    # Sectorisation (service_points.territory): regions and MRCs whose employers it serves first.
    filter_horizontal = ("territory_regions", "territory_mrcs")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "code",
                    "host_type",
                    "host_office",
                    "street_address",
                    "postal_code",
                    "municipality",
                    ("latitude", "longitude"),
                    "phone",
                    "is_active",
                )
            },
        ),
        (_("Territory served"), {"fields": ("territory_regions", "territory_mrcs")}),
    )
    prepopulated_fields = {"code": ("host_office",)}
    inlines = [OpeningHoursInline]

    @admin.display(description=_("administrative region"), ordering="municipality__region__code")
    def region(self, obj):
        return obj.municipality.region
