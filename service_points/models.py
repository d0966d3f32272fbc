"""The municipalities gazetteer and the service points hosted in Services Québec offices."""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.local_time import Zone
from midi_regions.models import AdministrativeRegion
from service_points.folding import fold
from service_points.validators import validate_postal_code

LATITUDE = [MinValueValidator(-90), MaxValueValidator(90)]
LONGITUDE = [MinValueValidator(-180), MaxValueValidator(180)]


class Mrc(models.Model):
    """A regional county municipality (MRC) or an equivalent territory (a city or agglomeration that
    is its own, such as Montréal, Québec, Lévis or La Tuque), with the MRNF's code."""

    code = models.CharField(_("code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=120)
    region = models.ForeignKey(
        AdministrativeRegion,
        verbose_name=_("administrative region"),
        on_delete=models.PROTECT,
        related_name="mrcs",
    )

    class Meta:
        verbose_name = _("MRC or equivalent territory")
        verbose_name_plural = _("MRCs and equivalent territories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """A municipality of Québec's official list (MAMH, CC BY 4.0); see service_points/data/SOURCE.md."""

    # Null only on the GeoNames rows that predate the official list, which migration 0004 replaced;
    # a check constraint (0005) forbids it since.
    code = models.CharField(
        _("geographic code"),
        max_length=5,
        unique=True,
        null=True,
        validators=[RegexValidator(r"^[0-9]{5}$", _("Enter the five-digit geographic code."))],
    )
    name = models.CharField(_("name"), max_length=120, db_index=True)
    designation = models.CharField(_("designation"), max_length=60, blank=True, db_default="")
    mrc = models.ForeignKey(
        Mrc,
        verbose_name=_("MRC or equivalent territory"),
        on_delete=models.PROTECT,
        null=True,
        related_name="municipalities",
    )
    region = models.ForeignKey(
        AdministrativeRegion,
        verbose_name=_("administrative region"),
        on_delete=models.PROTECT,
        related_name="municipalities",
    )
    latitude = models.FloatField(_("latitude"), validators=LATITUDE)
    longitude = models.FloatField(_("longitude"), validators=LONGITUDE)
    population = models.PositiveIntegerField(_("population"), default=0)
    # The legal time of the place (core.local_time): every time shown about a meeting here, or
    # about a company here met by phone or video, is in this zone. From
    # data/quebec_time_zones.csv (by MRC); Eastern time elsewhere.
    time_zone = models.CharField(
        _("time zone"),
        max_length=40,
        choices=Zone.choices,
        default=Zone.EASTERN,
        db_default=Zone.EASTERN.value,
    )
    # The GeoNames place the coordinates come from, when they do: the API's former ids.
    geonames_id = models.PositiveIntegerField(_("GeoNames id"), unique=True, null=True, blank=True)
    # folding.fold(name), set on save: what service_points.places compares typed text with.
    search_name = models.CharField(
        _("name for search"), max_length=120, db_index=True, editable=False, db_default=""
    )

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name", "code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(code__isnull=False), name="municipality_has_code"),
            models.CheckConstraint(condition=models.Q(mrc__isnull=False), name="municipality_has_mrc"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = fold(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)


class MunicipalityAlias(models.Model):
    """Another name people use for a municipality: a former town (Sainte-Foy), a borough or sector
    (Ahuntsic-Cartierville), a former name (Asbestos) or an English name (Quebec City)."""

    class Kind(models.TextChoices):
        FORMER = "former", _("former municipality")
        SECTOR = "sector", _("borough or sector")
        RENAMED = "renamed", _("former name")
        ENGLISH = "english", _("English name")

    name = models.CharField(_("name"), max_length=120)
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="aliases"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    search_name = models.CharField(_("name for search"), max_length=120, db_index=True, editable=False)

    class Meta:
        verbose_name = _("other name of a municipality")
        verbose_name_plural = _("other names of municipalities")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["search_name", "municipality"], name="alias_unique_per_municipality"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.municipality_id and self.municipality.name}"

    def save(self, *args, **kwargs):
        self.search_name = fold(self.name)
        super().save(*args, **kwargs)


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
    # Sectorisation: the employers this point serves first, by region or MRC (service_points.
    # territory; the seed's rule: midi_regions.seeding.seed_territories). Slot search and routing
    # offer a point outside an employer's territory only when none inside has a time.
    territory_regions = models.ManyToManyField(
        AdministrativeRegion,
        verbose_name=_("regions served"),
        blank=True,
        related_name="served_by",
        help_text=_("Every municipality of these regions is in the point's territory."),
    )
    territory_mrcs = models.ManyToManyField(
        Mrc,
        verbose_name=_("MRCs served"),
        blank=True,
        related_name="served_by",
        help_text=_("Every municipality of these MRCs is in the point's territory, whatever their region."),
    )

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
