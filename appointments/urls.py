from django.urls import path
from django.utils.translation import gettext_lazy as _

from appointments import calendar_views, views

urlpatterns = [
    path(_("book/"), views.book, name="book"),
    path(_("book/times/"), views.slots, name="slots"),
    path(_("book/confirm/"), views.confirm, name="confirm"),
    path("", views.appointment_list, name="list"),
    path("<uuid:uid>/", views.detail, name="detail"),
    path(_("<uuid:uid>/reschedule/"), views.reschedule, name="reschedule"),
    path(_("<uuid:uid>/reschedule/confirm/"), views.reschedule_confirm, name="reschedule_confirm"),
    path(_("<uuid:uid>/cancel/"), views.cancel, name="cancel"),
    path(_("<uuid:uid>/checklist/"), views.checklist_view, name="checklist"),
    path(_("manage/<str:token>/"), views.manage, name="manage"),
    path(_("manage/<str:token>/reschedule/"), views.manage_reschedule, name="manage_reschedule"),
    path(
        _("manage/<str:token>/reschedule/confirm/"),
        views.manage_reschedule_confirm,
        name="manage_reschedule_confirm",
    ),
    path(_("manage/<str:token>/cancel/"), views.manage_cancel, name="manage_cancel"),
    # "Apple / other calendar": the .ics, for the company or the holder of the emailed link.
    path(_("<uuid:uid>/calendar.ics"), calendar_views.calendar_file, name="calendar_file"),
    path(
        _("manage/<str:token>/calendar.ics"), calendar_views.manage_calendar_file, name="manage_calendar_file"
    ),
]
