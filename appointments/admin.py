from django.contrib import admin
from django.db.models import Count

from appointments.models import Appointment, ChecklistItem, Reminder, Topic
from consultations.models import ConsultationRequest, RoutingDecision
from waitlist.models import SlotHold, WaitlistEntry


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


class RoutingDecisionInline(admin.TabularInline):
    """Decisions are the routing's record: shown, never edited."""

    model = RoutingDecision
    extra = 0
    can_delete = False
    fields = ("hop", "decided_at", "reason", "chosen_advisor", "chosen_manager", "candidates")
    readonly_fields = fields
    ordering = ("hop",)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ConsultationRequest)
class ConsultationRequestAdmin(admin.ModelAdmin):
    list_display = ("created_at", "company", "topic", "mode", "status", "assigned_advisor", "due_at", "hops")
    list_filter = ("status", "mode", "topic", "municipality__region__directorate")
    search_fields = ("uid", "company__legal_name", "company__neq")
    list_select_related = ("company", "topic", "assigned_advisor__user")
    date_hierarchy = "created_at"
    raw_id_fields = (
        "company",
        "requested_by",
        "municipality",
        "assigned_advisor",
        "assigned_manager",
        "appointment",
    )
    readonly_fields = ("uid", "hops", "assigned_at", "accepted_at", "created_at", "updated_at")
    inlines = [RoutingDecisionInline]


class SlotHoldInline(admin.TabularInline):
    model = SlotHold
    extra = 0
    can_delete = False
    fields = ("advisor", "starts_at", "ends_at", "expires_at", "status", "created_at", "closed_at")
    readonly_fields = fields


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    """The waitlist, in line order: read-only except the status (an entry can be taken out)."""

    list_display = ("created_at", "company", "topic", "mode", "municipality", "status")
    list_filter = ("status", "topic", "mode")
    search_fields = ("company__legal_name", "company__neq")
    list_select_related = ("company", "topic", "municipality")
    readonly_fields = (
        "uid",
        "company",
        "joined_by",
        "topic",
        "mode",
        "municipality",
        "max_distance_km",
        "language",
        "weekdays",
        "time_of_day",
        "until",
        "appointment",
        "created_at",
    )
    inlines = [SlotHoldInline]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        """Taking an entry out goes through the waitlist service: its held time moves on."""
        from waitlist import services as waitlist

        if change and "status" in form.changed_data and obj.status == WaitlistEntry.Status.LEFT:
            obj.status = form.initial["status"]
            waitlist.leave(entry=obj)
            return
        super().save_model(request, obj, form, change)
