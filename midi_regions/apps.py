from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MidiRegionsConfig(AppConfig):
    name = "midi_regions"
    verbose_name = _("Regions and directorates")

    def ready(self):
        from django.db import transaction
        from django.db.models.signals import post_delete, post_save

        from advisors.models import Language
        from appointments.models import Topic
        from service_points.models import Municipality

        from .metrics import connect as connect_metrics
        from .models import AdministrativeRegion
        from .page_cache import bump_catalogue_version
        from .role_audit import connect as connect_role_audit

        connect_role_audit()  # the audit trail of role changes (midi_regions.role_audit)
        connect_metrics()  # routing decisions counted as they are recorded (midi_regions.metrics)

        def catalogue_changed(**kwargs):
            # Now, and again once the change is committed: a page rendered by another process
            # between the two (from the rows as they were) is not kept under the new version.
            bump_catalogue_version()
            transaction.on_commit(bump_catalogue_version)

        # What cached pages show of the catalogue (midi_regions.page_cache).
        for model in (Topic, Language, Municipality, AdministrativeRegion):
            for signal in (post_save, post_delete):
                signal.connect(
                    catalogue_changed,
                    sender=model,
                    weak=False,
                    dispatch_uid=f"catalogue-{model.__name__}-{signal}",
                )
