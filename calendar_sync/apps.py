from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarSyncConfig(AppConfig):
    name = "calendar_sync"
    verbose_name = _("Advisers' own calendars")

    def ready(self):
        from appointments import claims
        from calendar_sync import selectors
        from core.metrics import register_state_source

        # Busy times block their hours in search and booking; they are no appointment of the day.
        claims.register(selectors.busy_times, counts=False)
        register_state_source(selectors.sync_failure_gauges)
