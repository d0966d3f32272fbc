from django.contrib import admin

from feedback.models import Survey


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    """Read-only: the answers are the employers' own words; sending state for support."""

    list_display = ("appointment", "invited_at", "reminded_at", "answered_at", "satisfaction", "outcome")
    list_filter = ("outcome", "satisfaction")
    readonly_fields = [f.name for f in Survey._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
