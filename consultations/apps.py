from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = _("Consultation requests")

    def ready(self):
        from consultations.metrics import connect, requests_overdue
        from core.metrics import register_state_source

        connect()  # routing decisions counted as they are recorded
        register_state_source(requests_overdue)
