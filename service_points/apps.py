from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicePointsConfig(AppConfig):
    name = "service_points"
    verbose_name = _("Service points")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from midi_regions.models import AdministrativeRegion

        from .forms import forget_municipality_datalist
        from .models import Municipality

        for model in (Municipality, AdministrativeRegion):
            post_save.connect(
                forget_municipality_datalist, sender=model, dispatch_uid=f"datalist-{model.__name__}"
            )
            post_delete.connect(
                forget_municipality_datalist, sender=model, dispatch_uid=f"datalist-del-{model.__name__}"
            )
