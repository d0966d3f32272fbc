from django.urls import path
from django.utils.translation import gettext_lazy as _

from agenda import appointment_views, availability_views, calendar_views, find_views, views

urlpatterns = [
    path("", views.me, name="me"),
    path(_("availability/"), availability_views.availability, name="availability"),
    path(_("availability/weekly/add/"), availability_views.add_block, name="block_add"),
    path(_("availability/weekly/<int:pk>/delete/"), availability_views.delete_block, name="block_delete"),
    path(_("availability/dates/add/"), availability_views.add_exception, name="exception_add"),
    path(
        _("availability/dates/<int:pk>/delete/"), availability_views.delete_exception, name="exception_delete"
    ),
    path(_("availability/time-off/add/"), availability_views.add_time_off, name="time_off_add"),
    path(_("availability/meeting-link/"), availability_views.meeting_link, name="meeting_link"),
    path(
        _("availability/time-off/<int:pk>/delete/"),
        availability_views.delete_time_off,
        name="time_off_delete",
    ),
    path(_("appointments/find/"), find_views.find_appointment, name="find_appointment"),
    path(_("appointments/<uuid:uid>/"), appointment_views.appointment, name="appointment"),
    path(
        _("appointments/<uuid:uid>/action/"), appointment_views.appointment_action, name="appointment_action"
    ),
    path(_("appointments/<uuid:uid>/note/"), appointment_views.appointment_note, name="appointment_note"),
    path(
        _("appointments/<uuid:uid>/reschedule/"),
        appointment_views.appointment_reschedule,
        name="appointment_reschedule",
    ),
    path(
        _("appointments/<uuid:uid>/reschedule/confirm/"),
        appointment_views.appointment_reschedule_confirm,
        name="appointment_reschedule_confirm",
    ),
    path(
        _("appointments/<uuid:uid>/reassign/"),
        appointment_views.appointment_reassign,
        name="appointment_reassign",
    ),
    path(_("calendar/new-address/"), views.regenerate_feed, name="regenerate_feed"),
    path(_("calendar/"), calendar_views.calendar, name="calendar"),
    path(_("calendar/events/"), calendar_views.calendar_feed_json, name="calendar_events"),
]
