"""The administrator registers partners' endpoints and reads their delivery log."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.queue import enqueue
from webhooks import addresses, delivery
from webhooks.models import Delivery, DeliveryAttempt, Endpoint, EventType


class EndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple, required=True
    )

    class Meta:
        model = Endpoint
        fields = ["name", "url", "events", "scope", "is_active", "secret"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            addresses.check_url(url)
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None
        return url

    def clean(self):
        data = super().clean()
        if data.get("is_active") and self.instance.pk and not self.instance.is_active:
            # Enabled again: the failure clock starts over.
            self.instance.failing_since = None
            self.instance.disabled_at = None
            self.instance.disabled_reason = ""
        return data


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ["name", "url", "scope", "is_active", "failing_since", "disabled_at"]
    list_filter = ["is_active", "scope"]
    readonly_fields = ["failing_since", "disabled_at", "disabled_reason", "created_at"]


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ["at", "status_code", "duration_ms", "error"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "created_at",
        "delivered_at",
    ]
    list_filter = ["status", "endpoint", "event_type"]
    search_fields = ["event_id", "object_key"]
    readonly_fields = [
        "endpoint",
        "event_id",
        "event_type",
        "object_key",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "created_at",
        "delivered_at",
    ]
    inlines = [AttemptInline]
    actions = ["send_again"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Send again"))
    def send_again(self, request, queryset):
        count = delivery.redeliver(queryset)
        for endpoint_id in set(queryset.values_list("endpoint_id", flat=True)):
            enqueue("webhooks.deliver_endpoint", endpoint_id)
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery will be sent again.", "%(count)d deliveries will be sent again.", count
            )
            % {"count": count},
            messages.SUCCESS,
        )
