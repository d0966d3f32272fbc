from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and companies")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from advisors.models import Advisor
        from midi_regions.models import AdministrativeRegion, RegionalDirectorate
        from service_points.models import Municipality

        from .backends import forget_all_users, forget_users
        from .models import Company, EmployerProfile, User

        def user_changed(sender, instance, **kwargs):
            forget_users([instance.pk])

        def link_changed(sender, instance, **kwargs):
            forget_users([instance.user_id])

        def company_changed(sender, instance, **kwargs):
            forget_users(EmployerProfile.objects.filter(company=instance).values_list("user_id", flat=True))

        # What a cached signed-in user carries (accounts.backends).
        for signal in (post_save, post_delete):
            signal.connect(user_changed, sender=User, weak=False, dispatch_uid=f"users-user-{signal}")
            for model in (EmployerProfile, Advisor):
                signal.connect(
                    link_changed, sender=model, weak=False, dispatch_uid=f"users-{model.__name__}-{signal}"
                )
            signal.connect(
                company_changed, sender=Company, weak=False, dispatch_uid=f"users-company-{signal}"
            )
            for model in (RegionalDirectorate, Municipality, AdministrativeRegion):
                signal.connect(
                    forget_all_users, sender=model, dispatch_uid=f"users-all-{model.__name__}-{signal}"
                )
