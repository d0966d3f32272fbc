"""The survey page, in the appointments namespace (midi_regions.urls): appointments:survey."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from feedback import views

urlpatterns = [
    path(_("survey/<str:token>/"), views.survey, name="survey"),
]
