from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WaitlistConfig(AppConfig):
    name = "waitlist"
    verbose_name = _("Waitlist")

    def ready(self):
        from appointments import claims, signals
        from waitlist import services

        claims.register(services.held_times)  # held offers count as booked in search and booking
        signals.time_freed.connect(services.time_freed, dispatch_uid="waitlist-time-freed")
