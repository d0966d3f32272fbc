"""Daily roll-ups of the appointments, so that a year of the dashboards reads a few hundred
thousand small rows at most instead of every appointment.

Three tables, one row per closed day (local, `settings.TIME_ZONE`) and key, each computed from
the appointments of that day by `dashboards.rollups.refresh` — never adjusted by arithmetic, so a
day's rows are always exactly what the live query would count:

- `DailyTally`: appointments by directorate (the adviser's home point's), topic, mode and status;
- `DailyAdvisorLoad`: appointments by adviser and status, with the hours booked;
- `dashboards_employerdays` (PostgreSQL only, no model: a `datemultirange` column Django has no
  field for): one row per (directorate, municipality, company) with the days it was served (an
  active appointment). Distinct employers cannot be summed across days; a company was served in a
  period when its days overlap the period, so counting them reads one row per company, not one
  per day (see migration 0003).

`RollupState` holds the watermark: days up to `computed_through` have roll-ups; `StaleDay` lists
the days among them whose appointments changed since (database triggers mark them in the
changing transaction, see migration 0002). The dashboards read roll-ups for the computed, clean
days of a period and the live appointments for the rest (today, the future, stale days).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RollupState(models.Model):
    """One row: the last day whose roll-ups exist (None: none yet)."""

    computed_through = models.DateField(_("computed through"), null=True)

    class Meta:
        verbose_name = _("roll-up state")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="rollup_state_single_row")]


class StaleDay(models.Model):
    """A computed day whose appointments changed; `version` grows with every change, so a refresh
    that read version n deletes the mark only if no change came in since."""

    day = models.DateField(_("day"), primary_key=True)
    version = models.BigIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("stale day")


class DailyTally(models.Model):
    day = models.DateField(_("day"))
    directorate = models.ForeignKey("midi_regions.RegionalDirectorate", on_delete=models.CASCADE, null=True)
    topic = models.ForeignKey("appointments.Topic", on_delete=models.CASCADE)
    mode = models.CharField(_("mode"), max_length=20)
    status = models.CharField(_("status"), max_length=12)
    appointments = models.PositiveIntegerField(_("appointments"))

    class Meta:
        verbose_name = _("daily appointment tally")
        indexes = [models.Index(fields=["day", "directorate"], name="rollup_tally_day")]


class DailyAdvisorLoad(models.Model):
    day = models.DateField(_("day"))
    advisor = models.ForeignKey("advisors.Advisor", on_delete=models.CASCADE)
    status = models.CharField(_("status"), max_length=12)
    appointments = models.PositiveIntegerField(_("appointments"))
    booked_microseconds = models.BigIntegerField(_("time booked (µs)"))

    class Meta:
        verbose_name = _("daily adviser load")
        indexes = [models.Index(fields=["day", "advisor"], name="rollup_load_day")]
