"""The waitlist and its offers, in the appointments namespace (midi_regions.urls), so URL names
stay appointments:<name>."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from waitlist import views

urlpatterns = [
    path(_("waitlist/"), views.waitlist_list, name="waitlist"),
    path(_("waitlist/join/"), views.waitlist_join, name="waitlist_join"),
    path(_("waitlist/<uuid:uid>/leave/"), views.waitlist_leave, name="waitlist_leave"),
    path(_("offer/<str:token>/"), views.offer, name="offer"),
]
