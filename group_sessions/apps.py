from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupSessionsConfig(AppConfig):
    name = "group_sessions"
    verbose_name = _("Group information sessions")

    def ready(self):
        from appointments import claims, suggestions
        from group_sessions import selectors

        claims.register(selectors.presenters_time)  # a session blocks its presenter's calendar
        suggestions.register(selectors.booking_suggestions)  # offered on the booking page
