from django.contrib import admin
from django.db.models import Count

from .models import Appointment, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = (
        "name_fr",
        "name_en",
        "code",
        "duration_minutes",
        "advisor_count",
        "position",
        "is_active",
    )
    list_editable = ("position", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name_fr", "name_en")
    prepopulated_fields = {"code": ("name_en",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_advisor_count=Count("advisors"))

    @admin.display(ordering="_advisor_count")
    def advisor_count(self, obj):
        return obj._advisor_count


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ("starts_at", "advisor", "company", "topic", "mode", "status")
    list_filter = (
        "status",
        "mode",
        "topic",
        "advisor__home_service_point__municipality__region__directorate",
    )
    search_fields = ("company__legal_name", "company__neq", "advisor__user__last_name", "uid")
    list_select_related = ("advisor__user", "company", "topic")
    date_hierarchy = "starts_at"
    raw_id_fields = ("advisor", "company", "booked_by", "service_point", "municipality")
    readonly_fields = ("uid", "sequence", "idempotency_key", "created_at", "updated_at")
