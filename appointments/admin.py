from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from appointments.models import Appointment, ChecklistItem, Reminder, Topic


class ChecklistItemInline(admin.TabularInline):
    """The documents to prepare for the topic's consultations, in both languages, in order."""

    model = ChecklistItem
    extra = 1
    fields = ("position", "name_fr", "name_en")
    ordering = ("position", "pk")


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
    inlines = [ChecklistItemInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_advisor_count=Count("advisors"))

    @admin.display(description=_("advisers"), ordering="_advisor_count")
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


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """Read-only: rows are planned by the booking services and sent by the beat task."""

    list_display = ("scheduled_at", "appointment", "kind", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("appointment__uid", "appointment__company__legal_name")
    list_select_related = ("appointment__topic",)
    date_hierarchy = "scheduled_at"
    raw_id_fields = ("appointment",)
    readonly_fields = (
        "appointment",
        "kind",
        "scheduled_at",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "sent_at",
        "created_at",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
