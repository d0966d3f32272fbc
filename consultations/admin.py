"""Consultation requests in the Django admin, with their routing decisions."""

from django.contrib import admin

from consultations.models import ConsultationRequest, RoutingDecision


class RoutingDecisionInline(admin.TabularInline):
    """Decisions are the routing's record: shown, never edited."""

    model = RoutingDecision
    extra = 0
    can_delete = False
    fields = ("hop", "decided_at", "reason", "actor", "chosen_advisor", "chosen_manager", "candidates")
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
