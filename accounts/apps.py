from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and companies")

    def ready(self):
        from allauth.mfa.signals import authenticator_added

        from .mfa import mark_verified

        authenticator_added.connect(mark_verified, dispatch_uid="staff-mfa-verified")
        from django.db import transaction
        from django.db.models.signals import post_delete, post_save

        from advisors.models import Advisor
        from midi_regions.models import AdministrativeRegion, RegionalDirectorate
        from service_points.models import Municipality

        from .backends import forget_all_users, forget_users
        from .models import Company, EmployerProfile, User

        def now_and_on_commit(forget, *args):
            # Now, and again once the change is committed: a request in another process that
            # loaded the user between the two (from the rows as they were) is not kept.
            forget(*args)
            transaction.on_commit(lambda: forget(*args))

        def user_changed(sender, instance, **kwargs):
            if not kwargs.get("created"):  # nothing cached yet
                now_and_on_commit(forget_users, [instance.pk])

        def link_changed(sender, instance, **kwargs):
            now_and_on_commit(forget_users, [instance.user_id])

        def company_changed(sender, instance, **kwargs):
            if not kwargs.get("created"):  # a new company has no representatives yet
                users = EmployerProfile.objects.filter(company=instance).values_list("user_id", flat=True)
                now_and_on_commit(forget_users, list(users))

        def directory_changed(sender, **kwargs):
            now_and_on_commit(forget_all_users)

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
                    directory_changed,
                    sender=model,
                    weak=False,
                    dispatch_uid=f"users-all-{model.__name__}-{signal}",
                )
