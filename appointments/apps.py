from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = _("Appointments")

    def ready(self):
        from appointments.metrics import reminders_waiting
        from appointments.models import Topic
        from core.metrics import register_state_source
        from core.page_cache import watch_catalogue

        watch_catalogue(Topic)  # what cached pages show of the catalogue
        register_state_source(reminders_waiting)
