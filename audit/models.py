"""The audit trail of roles."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from midi_regions.models import RegionalDirectorate


class RoleChange(models.Model):
    """The audit trail of roles: who gave or took which role from whom, when, before → after.

    Rows are only added, by the signal handlers of audit.role_changes, in the transaction
    of the change. `before` and `after` hold readable snapshots (a directorate's name, a list of
    topic codes, a flag), so a row still reads the same once the objects have changed or gone.
    """

    class What(models.TextChoices):
        STAFF = "staff", _("Administrator (staff status)")
        SUPERUSER = "superuser", _("Superuser status")
        ACTIVE = "active", _("Account active")
        MANAGER = "manager", _("Manager of a directorate")
        ADVISER_CREATED = "adviser_created", _("Adviser record created")
        ADVISER_REMOVED = "adviser_removed", _("Adviser record removed")
        ADVISER_ACTIVE = "adviser_active", _("Adviser active")
        ADVISER_HOME = "adviser_home", _("Adviser's home service point (directorate)")
        ADVISER_SERVICE_POINTS = "adviser_service_points", _("Adviser's service points")
        ADVISER_TOPICS = "adviser_topics", _("Adviser's topics")
        ADVISER_LANGUAGES = "adviser_languages", _("Adviser's languages")
        EMPLOYER_COMPANY = "employer_company", _("Employer's company")

    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: a command, the shell or a scheduled task."),
    )
    actor_label = models.CharField(_("by (as it was)"), max_length=300, blank=True)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person concerned"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="role_changes",
    )
    subject_label = models.CharField(_("person concerned (as it was)"), max_length=300)
    what = models.CharField(_("what"), max_length=32, choices=What.choices)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    # The directorate concerned (managers read their own: midi_regions.selectors.audit_trail);
    # an adviser moving between directorates also names the one they left, so both see it.
    directorate = models.ForeignKey(
        RegionalDirectorate,
        verbose_name=_("directorate"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="role_changes",
        db_index=False,  # the (directorate, at) index below serves it
    )
    previous_directorate = models.ForeignKey(
        RegionalDirectorate,
        verbose_name=_("previous directorate"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # the (previous_directorate, at) index below serves it
    )

    class Meta:
        db_table = "midi_regions_rolechange"
        verbose_name = _("role change")
        verbose_name_plural = _("role changes")
        ordering = ["-at", "-pk"]
        indexes = [
            # The directorate's audit page (selectors.audit_trail): one directorate, newest first.
            models.Index(fields=["directorate", "-at"], name="rolechange_directorate_at"),
            models.Index(
                fields=["previous_directorate", "-at"],
                name="rolechange_previous_at",
                condition=models.Q(previous_directorate__isnull=False),
            ),
            # The national page (selectors.role_changes): all rows, newest first.
            models.Index(fields=["-at"], name="rolechange_at"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_label}: {self.get_what_display()}"

    @staticmethod
    def readable(value) -> str:
        """A snapshot as the audit pages show it."""
        if value is None:
            return "—"
        if isinstance(value, bool):
            return str(_("yes") if value else _("no"))
        if isinstance(value, list):
            return ", ".join(str(v) for v in value) if value else str(_("none"))
        return str(value)

    @property
    def before_display(self) -> str:
        return self.readable(self.before)

    @property
    def after_display(self) -> str:
        return self.readable(self.after)
