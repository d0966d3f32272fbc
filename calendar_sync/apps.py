from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarSyncConfig(AppConfig):
    name = "calendar_sync"
    verbose_name = _("Advisers' own calendars")

    def ready(self):
        from appointments import claims
        from calendar_sync import selectors
        from core.metrics import register_state_source

        claims.register(selectors.busy_times)  # busy times count as booked in search and booking
        register_state_source(selectors.sync_failure_gauges)
