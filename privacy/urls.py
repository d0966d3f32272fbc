"""The employer's Law 25 pages, in the accounts namespace (midi_regions.urls)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from privacy import views

urlpatterns = [
    path(_("my-data.json"), views.data_export, name="data_export"),
    path(_("close/"), views.close, name="close"),
]
