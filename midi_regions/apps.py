from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MidiRegionsConfig(AppConfig):
    name = "midi_regions"
    verbose_name = _("Regions and directorates")
