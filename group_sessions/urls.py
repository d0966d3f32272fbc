from django.urls import path
from django.utils.translation import gettext_lazy as _

from group_sessions import views

app_name = "group_sessions"

urlpatterns = [
    path("", views.session_list, name="list"),
    path(_("mine/"), views.my_registrations, name="mine"),
    path("<uuid:uid>/", views.session_detail, name="detail"),
    path(_("<uuid:uid>/register/"), views.register, name="register"),
    path(_("registration/<str:token>/"), views.manage, name="manage"),
    path(_("registration/<str:token>/cancel/"), views.manage_cancel, name="manage_cancel"),
    path(_("registration/<str:token>/offer/"), views.manage_offer, name="manage_offer"),
    path(_("registration/<str:token>/session.ics"), views.manage_calendar_file, name="manage_calendar_file"),
    path(_("manage/"), views.staff_list, name="staff_list"),
    path(_("manage/new/"), views.staff_new, name="staff_new"),
    path(_("manage/figures/"), views.staff_figures, name="staff_figures"),
    path(_("manage/figures.csv"), views.staff_figures_csv, name="staff_figures_csv"),
    path(_("manage/<uuid:uid>/"), views.staff_detail, name="staff_detail"),
    path(_("manage/<uuid:uid>/capacity/"), views.staff_capacity, name="staff_capacity"),
    path(_("manage/<uuid:uid>/message/"), views.staff_message, name="staff_message"),
    path(_("manage/<uuid:uid>/cancel/"), views.staff_cancel, name="staff_cancel"),
    path(_("manage/<uuid:uid>/attendance/"), views.staff_attendance, name="staff_attendance"),
]
