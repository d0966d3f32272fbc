"""Providers' callbacks, outside the language prefix (their URLs never change)."""

from django.urls import path

from sms import callback_views

app_name = "sms_callbacks"

urlpatterns = [
    path("twilio/status", callback_views.twilio_status, name="twilio_status"),
    path("twilio/inbound", callback_views.twilio_inbound, name="twilio_inbound"),
    path("gateway/status", callback_views.gateway_status, name="gateway_status"),
    path("gateway/inbound", callback_views.gateway_inbound, name="gateway_inbound"),
]
