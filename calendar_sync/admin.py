"""Administrators see each source's sync health, never its address or password."""

from django.contrib import admin

from calendar_sync.models import BusySource


@admin.register(BusySource)
class BusySourceAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "advisor",
        "kind",
        "host",
        "last_success_at",
        "last_error",
        "consecutive_failures",
        "stale",
    )
    list_filter = ("kind", "stale", "last_error")
    search_fields = ("name", "host", "advisor__user__last_name")
    fields = (
        "advisor",
        "kind",
        "name",
        "host",
        "created_at",
        "next_sync_at",
        "last_attempt_at",
        "last_success_at",
        "last_error",
        "last_error_detail",
        "last_error_at",
        "consecutive_failures",
        "failing_since",
        "stale",
    )
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False  # an adviser adds their own: the address is theirs to give
