"""Consultation requests: the employer's pages and the adviser's inbox, in the appointments
namespace (midi_regions.urls), so URL names stay appointments:<name>."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from consultations import views

urlpatterns = [
    path(_("requests/"), views.request_list, name="requests"),
    path(_("requests/new/"), views.request_new, name="request_new"),
    path(_("requests/<uuid:uid>/"), views.request_detail, name="request_detail"),
    path(_("requests/<uuid:uid>/book/"), views.request_book, name="request_book"),
    path(_("requests/<uuid:uid>/withdraw/"), views.request_withdraw, name="request_withdraw"),
    path(_("inbox/"), views.inbox, name="inbox"),
    path(_("inbox/<uuid:uid>/"), views.handle, name="handle"),
    path(_("inbox/<uuid:uid>/decline/"), views.decline, name="decline"),
    path(_("inbox/<uuid:uid>/reassign/"), views.reassign_request, name="reassign_request"),
]
