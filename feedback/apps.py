from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("Employers' feedback")

    def ready(self):
        from appointments import signals
        from feedback import services

        # An appointment marked held opens its survey, in the same transaction (appointments
        # cannot import this app: it sits above).
        signals.appointment_held.connect(services.appointment_held, dispatch_uid="feedback-appointment-held")
