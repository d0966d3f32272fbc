from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmsConfig(AppConfig):
    name = "sms"
    verbose_name = _("Text messages (SMS)")

    def ready(self):
        from core.metrics import register_state_source
        from sms.planning import connect
        from sms.selectors import sms_gauges

        connect()  # appointments' events become texts to the people who opted in (same transaction)
        register_state_source(sms_gauges)
