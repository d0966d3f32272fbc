from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupSessionsConfig(AppConfig):
    name = "group_sessions"
    verbose_name = _("Group information sessions")

    def ready(self):
        from appointments import claims, suggestions
        from group_sessions import selectors

        # A session blocks its presenter's hours; it is no appointment of the day (max per day).
        claims.register(selectors.presenters_time, counts=False)
        suggestions.register(selectors.booking_suggestions)  # offered on the booking page
