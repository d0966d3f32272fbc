"""Québec's administrative regions, the ministry's regional directorates, and the audit trail of roles."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.i18n import BilingualNameMixin


class RegionalDirectorate(BilingualNameMixin, models.Model):
    """A direction régionale: covers a set of regions, led by one regional manager."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    manager = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("regional manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_directorate",
    )
    # How the public reaches the directorate ("Contact us"); db_default: the running release
    # inserts directorates without these columns during a deploy.
    phone = models.CharField(_("telephone"), max_length=30, blank=True, default="", db_default="")
    email = models.EmailField(_("email address"), blank=True, default="", db_default="")
    address = models.TextField(
        _("address"),
        blank=True,
        default="",
        db_default="",
        help_text=_("As written on an envelope, one line per line."),
    )

    class Meta:
        verbose_name = _("regional directorate")
        verbose_name_plural = _("regional directorates")
        ordering = ["name_fr"]


class AdministrativeRegion(BilingualNameMixin, models.Model):
    """One of the 17 administrative regions, with its official two-digit code."""

    code = models.CharField(
        _("code"),
        max_length=2,
        unique=True,
        validators=[RegexValidator(r"^(0[1-9]|1[0-7])$", _("Use an official code from 01 to 17."))],
    )
    name_fr = models.CharField(_("name (French)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    # Which directorate covers a region is data, so an administrator can regroup regions.
    directorate = models.ForeignKey(
        RegionalDirectorate,
        verbose_name=_("regional directorate"),
        on_delete=models.PROTECT,
        related_name="regions",
    )

    class Meta:
        verbose_name = _("administrative region")
        verbose_name_plural = _("administrative regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__in=[f"{n:02d}" for n in range(1, 18)]),
                name="region_code_official",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
