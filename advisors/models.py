"""Regional immigration advisers: where they serve, what they know, which languages they speak."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.collation import name_order
from core.i18n import BilingualNameMixin


class Language(BilingualNameMixin, models.Model):
    """A language an adviser can hold a consultation in (ISO 639-1 code)."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60)

    class Meta:
        verbose_name = _("language")
        verbose_name_plural = _("languages")
        ordering = ["code"]


class Advisor(models.Model):
    """A conseiller régional en immigration: a user who serves one or more service points."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="advisor",
    )
    home_service_point = models.ForeignKey(
        "service_points.ServicePoint",
        verbose_name=_("home service point"),
        on_delete=models.PROTECT,
        related_name="home_advisors",
    )
    service_points = models.ManyToManyField(
        "service_points.ServicePoint",
        verbose_name=_("service points served"),
        related_name="advisors",
    )
    languages = models.ManyToManyField(Language, verbose_name=_("languages"), related_name="advisors")
    topics = models.ManyToManyField(
        "appointments.Topic", verbose_name=_("topic expertise"), related_name="advisors"
    )
    travel_radius_km = models.PositiveSmallIntegerField(
        _("travel radius (km)"),
        default=50,
        help_text=_("How far the adviser travels to meet a company at its premises."),
        validators=[MinValueValidator(0), MaxValueValidator(1000)],
    )
    # Where VIDEO_PROVIDER is "fixed" (core.video): the adviser's permanent Teams or Zoom link.
    meeting_link = models.URLField(
        _("permanent meeting link"),
        max_length=300,
        blank=True,
        default="",
        db_default="",
        help_text=_("Your own Teams or Zoom meeting link, given to employers who meet you by video."),
    )
    buffer_before_minutes = models.PositiveSmallIntegerField(
        _("buffer before (minutes)"), default=0, validators=[MaxValueValidator(240)]
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(
        _("buffer after (minutes)"),
        default=15,
        help_text=_("Free time kept after each appointment (notes, travel)."),
        validators=[MaxValueValidator(240)],
    )
    max_appointments_per_day = models.PositiveSmallIntegerField(
        _("maximum appointments per day"), default=6, validators=[MinValueValidator(1), MaxValueValidator(40)]
    )
    is_active = models.BooleanField(_("active"), default=True)
    # The secret of the personal calendar feed (agenda.feed); regenerating it kills the old URL.
    feed_token = models.CharField(
        _("calendar feed secret"), max_length=64, unique=True, null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("adviser")
        verbose_name_plural = _("advisers")
        # French order of names (core.collation): "Gélinas" before "Grenier".
        ordering = name_order("user")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.email

    @property
    def directorate(self):
        return self.home_service_point.municipality.region.directorate


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WeeklyAvailability(models.Model):
    """A recurring block of the adviser's week, in local (America/Toronto) wall-clock time.

    With a service point, the adviser is at that point: employers can meet there, the adviser
    can leave from there to visit a company, or call / video-call. Without one, the block is
    remote work: phone and video only.
    """

    advisor = models.ForeignKey(
        Advisor, verbose_name=_("adviser"), on_delete=models.CASCADE, related_name="weekly_availability"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("to"))
    service_point = models.ForeignKey(
        "service_points.ServicePoint",
        verbose_name=_("service point"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text=_("Leave empty for remote work (phone and video only)."),
    )

    class Meta:
        verbose_name = _("weekly availability")
        verbose_name_plural = _("weekly availability")
        ordering = ["advisor", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")), name="weekly_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class AvailabilityException(models.Model):
    """A date-specific change to the week: extra hours, or hours closed on that date."""

    class Kind(models.TextChoices):
        OPEN = "open", _("Extra availability")
        CLOSED = "closed", _("Unavailable")

    advisor = models.ForeignKey(
        Advisor, verbose_name=_("adviser"), on_delete=models.CASCADE, related_name="availability_exceptions"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("to"))
    service_point = models.ForeignKey(
        "service_points.ServicePoint",
        verbose_name=_("service point"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("availability exception")
        verbose_name_plural = _("availability exceptions")
        ordering = ["advisor", "date", "start_time"]
        # Slot search loads one adviser's exceptions for a date window (appointments.selectors).
        indexes = [models.Index(fields=["advisor", "date"], name="exception_advisor_date")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")), name="exception_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class TimeOff(models.Model):
    """A period (holidays, training, sick leave) when the adviser takes no appointment."""

    advisor = models.ForeignKey(
        Advisor, verbose_name=_("adviser"), on_delete=models.CASCADE, related_name="time_off"
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("to"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("time off")
        verbose_name_plural = _("time off")
        ordering = ["advisor", "starts_at"]
        # Slot search loads one adviser's time off overlapping a window (appointments.selectors).
        indexes = [models.Index(fields=["advisor", "ends_at"], name="timeoff_advisor_ends")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="timeoff_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} → {self.ends_at:%Y-%m-%d %H:%M}"


class AvailabilityChange(models.Model):
    """The audit trail of an adviser's availability: who added or removed which hours, when.
    Rows are only added (agenda.services writes them with each change)."""

    class Action(models.TextChoices):
        ADDED = "added", _("Added")
        REMOVED = "removed", _("Removed")

    advisor = models.ForeignKey(
        Advisor, verbose_name=_("adviser"), on_delete=models.CASCADE, related_name="availability_changes"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    description = models.CharField(_("what"), max_length=300)

    class Meta:
        verbose_name = _("availability change")
        verbose_name_plural = _("availability changes")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["advisor", "at"], name="availability_change_at")]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.description}"
