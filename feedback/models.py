"""The employer's verdict after a consultation: one survey per appointment held."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

COMMENT_MAX_LENGTH = 1000


class Survey(models.Model):
    """The short survey emailed to whoever booked an appointment once it is marked held, and its
    answer. Answered from a signed link (feedback.links), once; changeable for a week after."""

    class Outcome(models.TextChoices):
        YES = "yes", _("Yes")
        PARTLY = "partly", _("Partly")
        NO = "no", _("No")

    uid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    appointment = models.OneToOneField(
        "appointments.Appointment",
        verbose_name=_("appointment"),
        on_delete=models.CASCADE,
        related_name="survey",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="surveys",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Sending (feedback.sending): the invitation, then at most one reminder, each exactly once.
    invited_at = models.DateTimeField(_("sent"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    # The sender's lease on the row while it sends (its token), or when to try again.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    # The answer.
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    outcome = models.CharField(_("got what they came for"), max_length=8, choices=Outcome.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=COMMENT_MAX_LENGTH)
    # One more at each answer: a form answers the revision it showed (two answers at once: one wins).
    revision = models.PositiveIntegerField(_("revision"), default=0)
    answered_at = models.DateTimeField(_("first answered"), null=True, blank=True)
    changed_at = models.DateTimeField(_("last changed"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        indexes = [
            # The sender's sweep: surveys not sent yet, or not answered (feedback.sending._due).
            models.Index(
                fields=["created_at"],
                name="survey_unanswered",
                condition=models.Q(answered_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True)
                | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="survey_satisfaction_1_to_5",
            ),
            # An answer is whole: a satisfaction, an outcome and the time, or none of them.
            models.CheckConstraint(
                condition=models.Q(answered_at__isnull=True, satisfaction__isnull=True, outcome="")
                | models.Q(answered_at__isnull=False, satisfaction__isnull=False) & ~models.Q(outcome=""),
                name="survey_answer_whole",
            ),
        ]

    def __str__(self) -> str:
        return str(self.uid)

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None
