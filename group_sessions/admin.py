"""Group sessions in the Django admin: read-only. Seats, waitlist offers and emails change only
through group_sessions.services (the counter row and its CHECK, the notices of each change), so
the admin shows them and leaves the changes to the pages and the API."""

from django.contrib import admin

from group_sessions.models import GroupSession, Notice, Participant, Registration


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RegistrationInline(ReadOnly, admin.TabularInline):
    model = Registration
    extra = 0
    fields = ("company", "seats", "status", "hold_expires_at", "created_at")
    readonly_fields = fields


@admin.register(GroupSession)
class GroupSessionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = (
        "starts_at",
        "topic",
        "advisor",
        "mode",
        "service_point",
        "seats_taken",
        "capacity",
        "status",
    )
    list_filter = ("status", "mode", "topic")
    search_fields = ("advisor__user__last_name", "advisor__user__email")
    list_select_related = ("topic", "advisor__user", "service_point")
    inlines = [RegistrationInline]


class ParticipantInline(ReadOnly, admin.TabularInline):
    model = Participant
    extra = 0
    fields = ("name", "email", "attendance", "removed_at")
    readonly_fields = fields


@admin.register(Registration)
class RegistrationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("created_at", "company", "session", "seats", "status")
    list_filter = ("status",)
    search_fields = ("company__legal_name", "company__neq")
    list_select_related = ("company", "session__topic")
    inlines = [ParticipantInline]


@admin.register(Notice)
class NoticeAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("scheduled_at", "kind", "to_email", "status", "attempts", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("to_email", "key")
