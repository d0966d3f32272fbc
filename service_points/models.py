"""The municipalities gazetteer and the service points hosted in Services Québec offices."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from midi_regions.models import AdministrativeRegion
from service_points.validators import validate_postal_code

LATITUDE = [MinValueValidator(-90), MaxValueValidator(90)]
LONGITUDE = [MinValueValidator(-180), MaxValueValidator(180)]


class Municipality(models.Model):
    """A Québec place from GeoNames (CC BY 4.0); see service_points/data/README.md."""

    geonames_id = models.PositiveIntegerField(_("GeoNames id"), unique=True)
    name = models.CharField(_("name"), max_length=120, db_index=True)
    region = models.ForeignKey(
        AdministrativeRegion,
        verbose_name=_("administrative region"),
        on_delete=models.PROTECT,
        related_name="municipalities",
    )
    latitude = models.FloatField(_("latitude"), validators=LATITUDE)
    longitude = models.FloatField(_("longitude"), validators=LONGITUDE)
    population = models.PositiveIntegerField(_("population"), default=0)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServicePoint(models.Model):
    """A point of service of the ministry, hosted in an existing government office."""

    class HostType(models.TextChoices):
        SERVICES_QUEBEC = "services_quebec", _("Services Québec office")
        CLE = "cle", _("Local employment centre (CLE)")
        MIDI_OFFICE = "midi_office", _("Regional office of the ministry")  # the value predates MIFI

    code = models.SlugField(_("code"), max_length=60, unique=True)
    host_type = models.CharField(_("host type"), max_length=20, choices=HostType.choices)
    host_office = models.CharField(_("host office"), max_length=160)
    street_address = models.CharField(_("civic address"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=7, validators=[validate_postal_code])
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="service_points",
    )
    # The office's own position; the seed uses the municipality's GeoNames coordinates.
    latitude = models.FloatField(_("latitude"), validators=LATITUDE)
    longitude = models.FloatField(_("longitude"), validators=LONGITUDE)
    phone = models.CharField(_("telephone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        ordering = ["municipality__name", "host_office"]

    def __str__(self) -> str:
        return self.host_office

    @property
    def region(self) -> AdministrativeRegion:
        return self.municipality.region


class OpeningHours(models.Model):
    """One opening period of a service point on a weekday (several per day for a lunch break)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    service_point = models.ForeignKey(
        ServicePoint, verbose_name=_("service point"), on_delete=models.CASCADE, related_name="opening_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")), name="hours_closes_after_opens"
            ),
            models.UniqueConstraint(fields=["service_point", "weekday", "opens"], name="hours_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"
