from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and companies")

    def ready(self):
        from allauth.mfa.signals import authenticator_added

        from accounts.mfa import mark_verified

        authenticator_added.connect(mark_verified, dispatch_uid="staff-mfa-verified")
        from django.db.models.signals import post_delete, post_save

        from accounts.backends import (
            forget_all_users,
            forget_cached_user_of,
            forget_users,
            now_and_after_commit,
        )
        from accounts.models import Company, EmployerProfile, User
        from midi_regions.models import AdministrativeRegion, RegionalDirectorate
        from service_points.models import Municipality

        def user_changed(sender, instance, **kwargs):
            if not kwargs.get("created"):  # nothing cached yet
                now_and_after_commit(forget_users, [instance.pk])

        def company_changed(sender, instance, **kwargs):
            if not kwargs.get("created"):  # a new company has no representatives yet
                users = EmployerProfile.objects.filter(company=instance).values_list("user_id", flat=True)
                now_and_after_commit(forget_users, list(users))

        def directory_changed(sender, **kwargs):
            now_and_after_commit(forget_all_users)

        # What a cached signed-in user carries (accounts.backends); other apps add their links
        # with forget_cached_user_of (advisors).
        forget_cached_user_of(EmployerProfile)
        for signal in (post_save, post_delete):
            signal.connect(user_changed, sender=User, weak=False, dispatch_uid=f"users-user-{signal}")
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
