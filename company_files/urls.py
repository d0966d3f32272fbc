"""Company files: the employer's pages, then the staff's (namespace company_files, midi_regions.urls)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from company_files import views

app_name = "company_files"

urlpatterns = [
    path("", views.file_list, name="list"),
    path(_("open/"), views.file_open, name="open"),
    path("<uuid:uid>/", views.detail, name="detail"),
    path(_("<uuid:uid>/message/"), views.message, name="message"),
    path(_("adviser/"), views.caseload, name="caseload"),
    path(_("overview/"), views.overview, name="overview"),
    path(_("adviser/open/"), views.staff_open, name="staff_open"),
    path(_("adviser/<uuid:uid>/"), views.handle, name="handle"),
    path(_("adviser/<uuid:uid>/stage/"), views.move, name="move"),
    path(_("adviser/<uuid:uid>/documents/"), views.request_document, name="request_document"),
    path(_("adviser/<uuid:uid>/documents/<int:pk>/"), views.review_document, name="review_document"),
    path(_("adviser/<uuid:uid>/note/"), views.note, name="note"),
    path(_("adviser/<uuid:uid>/message/"), views.staff_message, name="staff_message"),
]
