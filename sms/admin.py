"""Administrators: the texts sent (read only, numbers masked), the month's usage, the contacts."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sms.models import DeliveryReceipt, MonthlyUsage, SmsContact, SmsMessage
from sms.selectors import masked_number


class ReceiptInline(admin.TabularInline):
    model = DeliveryReceipt
    extra = 0
    can_delete = False
    fields = ("received_at", "status", "error_code")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    list_display = ("scheduled_at", "kind", "appointment", "status", "reason", "segments", "cost", "provider")
    list_filter = ("status", "kind", "provider")
    date_hierarchy = "scheduled_at"
    inlines = [ReceiptInline]
    fields = (
        "appointment", "user", "kind", "minutes_before", "scheduled_at", "status", "reason",
        "attempts", "number", "body", "segments", "encoding", "cost", "provider", "provider_id",
        "error_code", "last_error", "sent_at", "status_at",
    )  # fmt: skip
    readonly_fields = fields

    @admin.display(description=_("sent to"))
    def number(self, obj):
        return masked_number(obj.to)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MonthlyUsage)
class MonthlyUsageAdmin(admin.ModelAdmin):
    list_display = ("month", "messages", "segments", "cost", "refused")
    readonly_fields = ("month", "messages", "segments", "cost", "refused")

    def has_add_permission(self, request):
        return False


@admin.register(SmsContact)
class SmsContactAdmin(admin.ModelAdmin):
    list_display = ("user", "opted_in_at", "opted_out_at", "opted_out_by", "invalid_at")
    list_filter = ("opted_out_by",)
    search_fields = ("user__email",)
    fields = (
        "user",
        "masked",
        "opted_in_at",
        "opted_out_at",
        "opted_out_by",
        "changes",
        "reminders",
        "invalid_at",
        "invalid_reason",
    )
    readonly_fields = fields

    @admin.display(description=_("mobile number"))
    def masked(self, obj):
        return masked_number(obj.number)

    def has_add_permission(self, request):
        return False
