from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MidiRegionsConfig(AppConfig):
    name = "midi_regions"
    verbose_name = _("Regions and directorates")

    def ready(self):
        from core.page_cache import watch_catalogue
        from midi_regions.models import AdministrativeRegion

        watch_catalogue(AdministrativeRegion)  # what cached pages show of the catalogue
