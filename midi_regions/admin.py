from django.contrib import admin
from django.db.models import Count
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.organisation import organisation_acronym
from midi_regions.models import AdministrativeRegion, RegionalDirectorate

# The admin is the ministry's, named from settings.ORGANISATION in the page's language
# (templates/admin/base_site.html puts "Administration – <the ministry's name>" under the header).
admin.site.site_header = _("Regional immigration advisers")
admin.site.site_title = format_lazy("{} – {}", _("Administration"), lazy(organisation_acronym, str)())
admin.site.index_title = _("Network administration")
# The navigation column took 300 of 1 280 px from every list; the breadcrumbs and the index do its work.
admin.site.enable_nav_sidebar = False


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

    @admin.display(description=_("regions"), ordering="_region_count")
    def region_count(self, obj):
        return obj._region_count


@admin.register(AdministrativeRegion)
class AdministrativeRegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fr", "name_en", "directorate")
    list_filter = ("directorate",)
    search_fields = ("code", "name_fr", "name_en")
    list_select_related = ("directorate",)
