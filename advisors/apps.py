from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdvisorsConfig(AppConfig):
    name = "advisors"
    verbose_name = _("Advisers")

    def ready(self):
        from accounts.backends import forget_cached_user_of
        from advisors.models import Advisor, Language
        from core.page_cache import watch_catalogue

        watch_catalogue(Language)  # what cached pages show of the catalogue
        forget_cached_user_of(Advisor)  # a signed-in user carries their adviser record
