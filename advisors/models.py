"""Regional immigration advisers: where they serve, what they know, which languages they speak."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from midi_regions.i18n import BilingualNameMixin


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
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("adviser")
        verbose_name_plural = _("advisers")
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.email

    @property
    def directorate(self):
        return self.home_service_point.municipality.region.directorate
