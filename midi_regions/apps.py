from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MidiRegionsConfig(AppConfig):
    name = "midi_regions"
    verbose_name = _("Regions and directorates")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from advisors.models import Language
        from appointments.models import Topic
        from service_points.models import Municipality

        from .models import AdministrativeRegion
        from .page_cache import bump_catalogue_version

        # What cached pages show of the catalogue (midi_regions.page_cache).
        for model in (Topic, Language, Municipality, AdministrativeRegion):
            for signal in (post_save, post_delete):
                signal.connect(
                    bump_catalogue_version, sender=model, dispatch_uid=f"catalogue-{model.__name__}-{signal}"
                )
