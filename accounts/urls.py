from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path(_("profile/"), views.profile, name="profile"),
    path(_("my-data.json"), views.data_export, name="data_export"),
]
