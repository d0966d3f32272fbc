"""The partner's referrals, the manager's figures, and the contact's claim link."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from referrals import views

app_name = "referrals"

urlpatterns = [
    path("", views.referral_list, name="list"),
    path(_("new/"), views.referral_new, name="new"),
    path("<uuid:uid>/", views.referral_detail, name="detail"),
    path(_("dashboard/"), views.dashboard, name="dashboard"),
    path(_("dashboard/referrals.csv"), views.export, name="export"),
    path(_("claim/<str:token>/"), views.claim, name="claim"),
]
