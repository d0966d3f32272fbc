from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks for partner systems")

    def ready(self):
        from core.metrics import register_state_source
        from webhooks.events import connect
        from webhooks.selectors import delivery_gauges

        connect()  # what happens in the other apps becomes events (same transaction)
        register_state_source(delivery_gauges)
