"""The adviser's own calendars, in the advisors namespace (midi_regions.urls)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from calendar_sync import views

urlpatterns = [
    path(_("my-calendars/"), views.busy_sources, name="busy_sources"),
    path(_("my-calendars/add/"), views.add_busy_source, name="busy_source_add"),
    path(_("my-calendars/<int:pk>/delete/"), views.delete_busy_source, name="busy_source_delete"),
]
