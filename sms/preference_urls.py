"""The employer's text preferences, composed into the `accounts` namespace by midi_regions.urls
(the employer's space): accounts:sms_preferences."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from sms import views

urlpatterns = [
    path(_("texts/"), views.preferences, name="sms_preferences"),
]
