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
