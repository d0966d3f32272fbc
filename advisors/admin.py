from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from advisors.models import (
    Advisor,
    AvailabilityChange,
    AvailabilityException,
    Language,
    TimeOff,
    WeeklyAvailability,
)
from core.collation import french
from core.queue import enqueue
from core.weekly_grid import WeeklyGridFormSet, WeeklyGridInline
from service_points.models import ServicePoint


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fr", "name_en")
    search_fields = ("code", "name_fr", "name_en")


class AdvisorWeekFormSet(WeeklyGridFormSet):
    """The grid's checks, and each block at a point the adviser serves (as agenda.services asks
    of the adviser's own page): the points as submitted on this page, home point included, so
    taking a point off the list asks for its blocks to go too."""

    def clean(self):
        super().clean()
        served = {str(pk) for pk in self.data.getlist("service_points")}
        served.add(self.data.get("home_service_point"))
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            point = (getattr(form, "cleaned_data", None) or {}).get("service_point")
            if point is not None and str(point.pk) not in served:
                form.add_error(
                    "service_point",
                    _("This adviser does not serve %(point)s: add it to their service points first.")
                    % {"point": point},
                )


class WeeklyAvailabilityInline(WeeklyGridInline):
    """The adviser's week on one page: each day's blocks, each at a point or remote."""

    model = WeeklyAvailability
    formset = AdvisorWeekFormSet
    start_field = "start_time"
    end_field = "end_time"
    fields = ("weekday", "start_time", "end_time", "service_point")
    help_text = _(
        "Each day's blocks, in Québec time, at a service point the adviser serves or remote (phone "
        "and video). Fill in a blank block to add one, clear both times (or tick Remove) to remove "
        "one; a day without blocks is not worked."
    )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name != "service_point":
            return super().formfield_for_dbfield(db_field, request, **kwargs)
        # A plain list of places, municipality first (no add/edit links in each block).
        field = PlaceChoiceField(
            queryset=ServicePoint.objects.filter(is_active=True)
            .select_related("municipality")
            .order_by(french("municipality__name"), french("host_office")),
            required=False,
            empty_label=_("Remote (phone and video)"),
            label=db_field.verbose_name,
        )
        return field


class PlaceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.municipality} – {obj.host_office}"


class AvailabilityExceptionInline(admin.TabularInline):
    model = AvailabilityException
    extra = 0
    autocomplete_fields = ("service_point",)


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0


@admin.register(Advisor)
class AdvisorAdmin(admin.ModelAdmin):
    inlines = [WeeklyAvailabilityInline, AvailabilityExceptionInline, TimeOffInline]
    # Five short columns fit beside the filters at 1280 px; the directorate is a filter, and the
    # region names it. Names sort the French way (core.collation).
    list_display = ("name", "email", "home_municipality", "region", "is_active")
    list_display_links = ("name",)
    # The model's order without its email tie-break, which the list would show as "sorted by email".
    ordering = (french("user__last_name").asc(), french("user__first_name").asc())
    list_filter = (
        "is_active",
        "home_service_point__municipality__region__directorate",
        "home_service_point__municipality__region",
        "languages",
        "topics",
    )
    search_fields = (
        "user__email",
        "user__first_name",
        "user__last_name",
        "home_service_point__host_office",
    )
    list_select_related = ("user", "home_service_point__municipality__region")
    autocomplete_fields = ("user", "home_service_point", "service_points")
    filter_horizontal = ("languages", "topics")

    @admin.display(description=_("name"), ordering=french("user__last_name"))
    def name(self, obj):
        return str(obj)

    @admin.display(description=_("email address"), ordering="user__email")
    def email(self, obj):
        return obj.user.email

    @admin.display(
        description=_("home service point"), ordering=french("home_service_point__municipality__name")
    )
    def home_municipality(self, obj):
        # The municipality is what tells points apart at a glance; the office's name is long.
        return obj.home_service_point.municipality

    @admin.display(
        description=_("administrative region"), ordering="home_service_point__municipality__region__code"
    )
    def region(self, obj):
        return obj.home_service_point.municipality.region

    def save_formset(self, request, form, formset, change):
        """The week's blocks changed here are recorded like the adviser's own changes (the audit
        trail's availability rows, by this administrator), and the waitlist is offered the
        adviser's times again (agenda.services does both for the adviser's page)."""
        if formset.model is not WeeklyAvailability:
            return super().save_formset(request, form, formset, change)
        changed_pks = [f.instance.pk for f in formset.initial_forms if f.instance.pk and f.has_changed()]
        before = {
            block.pk: _describe_block(block)
            for block in WeeklyAvailability.objects.filter(pk__in=changed_pks).select_related("service_point")
        }
        super().save_formset(request, form, formset, change)
        Action = AvailabilityChange.Action
        log = [(Action.REMOVED, _describe_block(block)) for block in formset.deleted_objects]
        for block, _fields in formset.changed_objects:
            log += [(Action.REMOVED, before.get(block.pk, "")), (Action.ADDED, _describe_block(block))]
        log += [(Action.ADDED, _describe_block(block)) for block in formset.new_objects]
        advisor = form.instance
        AvailabilityChange.objects.bulk_create(
            AvailabilityChange(advisor=advisor, actor=request.user, action=action, description=what[:300])
            for action, what in log
            if what
        )
        if log:
            # New hours may free times someone on the waitlist waits for (waitlist.services).
            enqueue("appointments.offer_freed_time", advisor.pk, None, None)


def _describe_block(block: WeeklyAvailability) -> str:
    """As agenda.services words it: "lundi 08:30–12:00 – Bureau de Services Québec de …"."""
    where = block.service_point.host_office if block.service_point else _("Remote (phone and video)")
    return f"{block} – {where}"
