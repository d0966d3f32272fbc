"""The waitlist in the Django admin, in line order."""

from django.contrib import admin

from waitlist import services as waitlist
from waitlist.models import SlotHold, WaitlistEntry


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
        if change and "status" in form.changed_data and obj.status == WaitlistEntry.Status.LEFT:
            obj.status = form.initial["status"]
            waitlist.leave(entry=obj)
            return
        super().save_model(request, obj, form, change)
