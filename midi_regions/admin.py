from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from audit.models import RoleChange
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


@admin.register(RoleChange)
class RoleChangeAdmin(admin.ModelAdmin):
    """The role audit trail, read-only: rows are written by audit.role_changes only."""

    list_display = (
        "at",
        "subject_label",
        "what",
        "before_value",
        "after_value",
        "directorate",
        "actor_label",
    )
    list_filter = ("what", "directorate")
    search_fields = ("subject_label", "actor_label")
    list_select_related = ("directorate",)
    date_hierarchy = "at"

    @admin.display(description=_("before"))
    def before_value(self, obj):
        return obj.before_display

    @admin.display(description=_("after"))
    def after_value(self, obj):
        return obj.after_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
