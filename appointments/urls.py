from django.urls import path
from django.utils.translation import gettext_lazy as _

from appointments import views
from consultations import views as request_views
from waitlist import views as waitlist_views

app_name = "appointments"

urlpatterns = [
    path(_("book/"), views.book, name="book"),
    path(_("book/times/"), views.slots, name="slots"),
    path(_("book/confirm/"), views.confirm, name="confirm"),
    path("", views.appointment_list, name="list"),
    path("<uuid:uid>/", views.detail, name="detail"),
    path(_("<uuid:uid>/reschedule/"), views.reschedule, name="reschedule"),
    path(_("<uuid:uid>/cancel/"), views.cancel, name="cancel"),
    path(_("<uuid:uid>/checklist/"), views.checklist_view, name="checklist"),
    path(_("manage/<str:token>/"), views.manage, name="manage"),
    path(_("requests/"), request_views.request_list, name="requests"),
    path(_("requests/new/"), request_views.request_new, name="request_new"),
    path(_("requests/<uuid:uid>/"), request_views.request_detail, name="request_detail"),
    path(_("requests/<uuid:uid>/book/"), request_views.request_book, name="request_book"),
    path(_("requests/<uuid:uid>/withdraw/"), request_views.request_withdraw, name="request_withdraw"),
    path(_("waitlist/"), waitlist_views.waitlist_list, name="waitlist"),
    path(_("waitlist/join/"), waitlist_views.waitlist_join, name="waitlist_join"),
    path(_("waitlist/<uuid:uid>/leave/"), waitlist_views.waitlist_leave, name="waitlist_leave"),
    path(_("offer/<str:token>/"), waitlist_views.offer, name="offer"),
    path(_("inbox/"), request_views.inbox, name="inbox"),
    path(_("inbox/<uuid:uid>/"), request_views.handle, name="handle"),
    path(_("inbox/<uuid:uid>/decline/"), request_views.decline, name="decline"),
    path(_("inbox/<uuid:uid>/reassign/"), request_views.reassign_request, name="reassign_request"),
]
