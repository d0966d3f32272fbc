from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicePointsConfig(AppConfig):
    name = "service_points"
    verbose_name = _("Service points")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from core.page_cache import watch_catalogue
        from midi_regions.models import AdministrativeRegion
        from service_points.forms import forget_gazetteer_names
        from service_points.models import Municipality

        watch_catalogue(Municipality)  # what cached pages show of the catalogue

        for model in (Municipality, AdministrativeRegion):
            post_save.connect(
                forget_gazetteer_names, sender=model, dispatch_uid=f"gazetteer-names-{model.__name__}"
            )
            post_delete.connect(
                forget_gazetteer_names, sender=model, dispatch_uid=f"gazetteer-names-del-{model.__name__}"
            )
