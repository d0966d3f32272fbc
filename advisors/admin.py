from django.contrib import admin

from advisors.models import Advisor, AvailabilityException, Language, TimeOff, WeeklyAvailability


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fr", "name_en")
    search_fields = ("code", "name_fr", "name_en")


class WeeklyAvailabilityInline(admin.TabularInline):
    model = WeeklyAvailability
    extra = 0
    autocomplete_fields = ("service_point",)


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
    list_display = (
        "__str__",
        "email",
        "home_service_point",
        "directorate_name",
        "travel_radius_km",
        "is_active",
    )
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
    list_select_related = ("user", "home_service_point__municipality__region__directorate")
    autocomplete_fields = ("user", "home_service_point", "service_points")
    filter_horizontal = ("languages", "topics")

    @admin.display(ordering="user__email")
    def email(self, obj):
        return obj.user.email

    @admin.display(ordering="home_service_point__municipality__region__directorate__name_fr")
    def directorate_name(self, obj):
        return obj.directorate
