"""Administrators manage partner organisations, their offices and members; referrals read-only."""

from django.contrib import admin

from referrals.models import PartnerMember, PartnerOffice, PartnerOrganisation, Referral


class OfficeInline(admin.TabularInline):
    model = PartnerOffice
    extra = 1
    autocomplete_fields = ["municipality"]


class MemberInline(admin.TabularInline):
    model = PartnerMember
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(PartnerOrganisation)
class PartnerOrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    inlines = [OfficeInline, MemberInline]


@admin.register(PartnerOffice)
class PartnerOfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "municipality"]
    list_filter = ["organisation"]
    search_fields = ["name", "organisation__name"]
    autocomplete_fields = ["municipality"]


@admin.register(PartnerMember)
class PartnerMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "office", "job_title"]
    list_filter = ["organisation"]
    search_fields = ["user__email", "user__last_name", "organisation__name"]
    autocomplete_fields = ["user", "office"]


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ["company", "organisation", "office", "partner", "status", "created_at"]
    list_filter = ["status", "organisation"]
    search_fields = ["company__legal_name", "company__neq", "partner__email"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False  # referrals are made by partners (services.refer_company), with consent

    def has_change_permission(self, request, obj=None):
        return False
