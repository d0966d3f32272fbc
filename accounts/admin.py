from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Company, CompanyInvitation, EmployerProfile, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = (
        "email",
        "first_name",
        "last_name",
        "language",
        "is_staff",
        "is_active",
        "last_login",
    )
    list_filter = ("is_staff", "is_superuser", "is_active", "language", "grammatical_gender", "groups")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "language", "grammatical_gender")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class EmployerProfileInline(admin.TabularInline):
    model = EmployerProfile
    extra = 0
    autocomplete_fields = ("user",)


class CompanyInvitationInline(admin.TabularInline):
    """Invitations are the representatives' to send and withdraw (accounts.invitations): shown only."""

    model = CompanyInvitation
    fk_name = "company"
    extra = 0
    can_delete = False
    fields = ("email", "invited_by", "created_at", "expires_at", "accepted_at", "accepted_by", "revoked_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("legal_name", "neq", "sector", "size", "municipality", "created_at")
    list_filter = ("sector", "size", "municipality__region")
    search_fields = ("legal_name", "neq", "municipality__name")
    list_select_related = ("municipality",)
    autocomplete_fields = ("municipality",)
    inlines = [EmployerProfileInline, CompanyInvitationInline]
