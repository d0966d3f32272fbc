"""A week of time ranges edited on one page in the admin: Monday to Sunday, one row a day, each
day's ranges side by side (several a day: a lunch break), each a start and an end.

`WeeklyGridInline` is a TabularInline of a model with a weekday (0 = Monday … 6 = Sunday), a
start and an end time; it renders templates/admin/weekly_grid.html. Each day shows its ranges and
one blank range to fill in (static/js/admin-weekly-grid.js adds more without saving first);
clearing both times of a range, or ticking "Remove", removes it. Validation: a start and an end
together, the end after the start, and no two ranges of a day overlapping (touching is fine:
8:30–12:00 and 12:00–16:30), each error beside its range.
"""

from dataclasses import dataclass, field

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from core.typography import format_time

DAYS = range(7)  # Python's weekday numbers: 0 = Monday … 6 = Sunday


def _time(value) -> str:
    """The time as the page's language writes it; on the hour, "13 h" rather than "13 h 00" (OQLF)."""
    return format_time(value)


class WeeklyRangeForm(forms.ModelForm):
    """One range of a day. Its times are optional here: a blank new range is no range, a cleared
    existing one is removed; one time without the other is an error."""

    weekday_field = "weekday"
    start_field = "start"
    end_field = "end"
    grid_fields = ("weekday", "start", "end")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in (self.start_field, self.end_field):
            self.fields[name].required = False

    def has_changed(self) -> bool:
        # A new range's day comes from the grid, not from the person: only what they typed counts.
        if self.instance.pk is None:
            return any(name != self.weekday_field for name in self.changed_data)
        return super().has_changed()

    def _post_clean(self):
        # A range being removed keeps its saved values: the admin's history and the audit trail
        # name what was removed, not the cleared fields.
        if self.instance.pk is not None and self.cleaned_data.get("DELETE"):
            return
        super()._post_clean()

    def clean(self):
        data = super().clean()
        start, end = data.get(self.start_field), data.get(self.end_field)
        start_given = start is not None or self.start_field in self.errors
        end_given = end is not None or self.end_field in self.errors
        if not start_given and not end_given:
            if self.instance.pk is not None:
                data["DELETE"] = True  # both times cleared: the range goes
            return data
        if start is None and not start_given:
            self.add_error(self.start_field, _("Give the start of this range too."))
        elif end is None and not end_given:
            self.add_error(self.end_field, _("Give the end of this range too."))
        elif start is not None and end is not None and end <= start:
            self.add_error(self.end_field, _("The end must come after the start."))
        return data


class WeeklyGridFormSet(BaseInlineFormSet):
    """The week's ranges, grouped by day for the template (`days`), checked for overlaps."""

    def __init__(self, *args, **kwargs):
        # One blank range a day, in day order, after the existing ones.
        kwargs.setdefault("initial", [{self.form.weekday_field: day} for day in DAYS])
        super().__init__(*args, **kwargs)

    def clean(self):
        super().clean()
        form = self.form
        kept = []
        for each in self.forms:
            if not each.has_changed() and each.instance.pk is None:
                continue
            if self.can_delete and self._should_delete_form(each):
                continue
            data = getattr(each, "cleaned_data", None) or {}
            start, end = data.get(form.start_field), data.get(form.end_field)
            day = data.get(form.weekday_field)
            if each.errors or start is None or end is None or day is None:
                continue
            kept.append((int(day), start, end, each))
        overlaps = 0
        latest = None  # the range of the day that ends last so far: (day, start, end)
        for day, start, end, each in sorted(kept, key=lambda item: item[:3]):
            if latest and latest[0] == day and start < latest[2]:
                overlaps += 1
                each.add_error(
                    None,
                    _("This range overlaps %(start)s–%(end)s on the same day.")
                    % {"start": _time(latest[1]), "end": _time(latest[2])},
                )
            if not latest or latest[0] != day or end > latest[2]:
                latest = (day, start, end)
        if overlaps:
            raise ValidationError(_("Two ranges of a day may not overlap: see the ranges marked below."))

    @property
    def days(self) -> list["Day"]:
        """Monday to Sunday, each with its ranges (existing ones by start, then blank ones)."""
        week = [Day(number=day, name=WEEKDAYS[day]) for day in DAYS]
        for each in self.forms:
            day = self._day_of(each)
            if day is not None:
                week[day].ranges.append(self._range(each))
        return week

    @property
    def blank_range(self) -> "Range":
        """The empty form, for the script that adds a range to a day."""
        return self._range(self.empty_form)

    def _day_of(self, each) -> int | None:
        value = each[self.form.weekday_field].value()
        try:
            day = int(value)
        except (TypeError, ValueError):
            return None
        return day if day in DAYS else None

    def _range(self, each) -> "Range":
        form = self.form
        others = [name for name in each.fields if name not in form.grid_fields and name != "DELETE"]
        return Range(
            form=each,
            start=each[form.start_field],
            end=each[form.end_field],
            others=[each[name] for name in others if not each.fields[name].widget.is_hidden],
            hidden=[each[name] for name in others if each.fields[name].widget.is_hidden]
            + [each[form.weekday_field]],
            delete=each["DELETE"] if self.can_delete and each.instance.pk is not None else None,
        )


@dataclass
class Range:
    form: forms.ModelForm
    start: forms.BoundField
    end: forms.BoundField
    others: list
    hidden: list
    delete: forms.BoundField | None


@dataclass
class Day:
    number: int
    name: str
    ranges: list[Range] = field(default_factory=list)


TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class WeeklyGridInline(admin.TabularInline):
    """The week as a grid: set `model`, and `weekday_field`, `start_field`, `end_field` (and
    `fields` for any more columns, like a place)."""

    template = "admin/weekly_grid.html"
    formset = WeeklyGridFormSet
    form = WeeklyRangeForm
    weekday_field = "weekday"
    start_field = "start"
    end_field = "end"
    extra = len(DAYS)  # one blank range a day (WeeklyGridFormSet gives each its day)
    # A time a day, typed or picked: the browser's own time field, no "Now" link or time-zone note.
    formfield_overrides = {models.TimeField: {"widget": TIME_INPUT}}
    help_text = _(
        "Each day's ranges, in Québec time. Fill in a blank range to add one, clear both times "
        "(or tick Remove) to remove one; a day without ranges is closed."
    )

    class Media:
        js = ["js/admin-weekly-grid.js"]

    def get_formset(self, request, obj=None, **kwargs):
        names = {
            "weekday_field": self.weekday_field,
            "start_field": self.start_field,
            "end_field": self.end_field,
        }
        form = type(
            f"{self.model.__name__}RangeForm",
            (self.form,),
            {**names, "grid_fields": (self.weekday_field, self.start_field, self.end_field)},
        )
        widgets = {self.weekday_field: forms.HiddenInput, **kwargs.pop("widgets", {})}
        return super().get_formset(request, obj, form=form, widgets=widgets, **kwargs)
