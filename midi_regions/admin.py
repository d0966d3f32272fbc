from django.contrib import admin
from django.db.models import Count

from midi_regions.models import AdministrativeRegion, RegionalDirectorate


class RegionInline(admin.TabularInline):
    model = AdministrativeRegion
    fields = ("code", "name_fr", "name_en")
    extra = 0
    show_change_link = True


@admin.register(RegionalDirectorate)
class RegionalDirectorateAdmin(admin.ModelAdmin):
    list_display = ("name_fr", "name_en", "code", "manager", "region_count")
    search_fields = ("name_fr", "name_en", "code", "manager__email", "manager__last_name")
    autocomplete_fields = ("manager",)
    inlines = [RegionInline]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("manager").annotate(_region_count=Count("regions"))
        )

    @admin.display(description="Régions / regions", ordering="_region_count")
    def region_count(self, obj):
        return obj._region_count


@admin.register(AdministrativeRegion)
class AdministrativeRegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fr", "name_en", "directorate")
    list_filter = ("directorate",)
    search_fields = ("code", "name_fr", "name_en")
    list_select_related = ("directorate",)
