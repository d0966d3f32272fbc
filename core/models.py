"""Infrastructure rows: messages the broker refused."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UnsentTask(models.Model):
    """A Celery message the broker refused after its transaction had committed (Redis down or
    restarting). The work is committed, so its message is kept here until the beat's sweep
    (core.queue.resend_unsent) publishes it again, once."""

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        db_table = "midi_regions_unsenttask"
        verbose_name = _("unsent task")
        verbose_name_plural = _("unsent tasks")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.task} {self.created_at:%Y-%m-%d %H:%M:%S}"


class CatalogueGeneration(models.Model):
    """One row whose `value` changes, in the same transaction, with every change to a table
    watched by `core.catalogue` (database triggers): processes that keep those tables in memory
    compare it with the value their copy was read under (core/catalogue.py)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.BigIntegerField(_("generation"))

    class Meta:
        db_table = "core_cataloguegeneration"
        verbose_name = _("catalogue generation")
        verbose_name_plural = _("catalogue generations")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="core_cataloguegeneration_one_row"),
        ]

    def __str__(self) -> str:
        return str(self.value)
