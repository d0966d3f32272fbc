from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Company, CompanyInvitation, EmployerProfile, TwoFactorMethod, User
from core.collation import french


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = (
        "email",
        "given_name",
        "family_name",
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

    # Names sort the French way when their column is clicked (core.collation).
    @admin.display(description=User._meta.get_field("first_name").verbose_name, ordering=french("first_name"))
    def given_name(self, obj):
        return obj.first_name

    @admin.display(description=User._meta.get_field("last_name").verbose_name, ordering=french("last_name"))
    def family_name(self, obj):
        return obj.last_name


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


# allauth's own admin lists "Authenticators" with untranslated columns and shows the secrets.
admin.site.unregister(Authenticator)


class MethodFilter(admin.SimpleListFilter):
    title = _("method")
    parameter_name = "type"

    def lookups(self, request, model_admin):
        return Authenticator.Type.choices

    def queryset(self, request, queryset):
        return queryset.filter(type=self.value()) if self.value() else queryset


@admin.register(TwoFactorMethod)
class TwoFactorMethodAdmin(admin.ModelAdmin):
    """Shown and removed, never added or edited here: a person sets up their own method (the MFA
    pages); an administrator removes the one of someone who lost their phone, who is then asked
    to set one up again at their next sign-in (accounts.mfa). The secrets are never shown."""

    list_display = ("person", "method", "added", "last_used")
    list_filter = (MethodFilter,)
    search_fields = ("user__email", "user__first_name", "user__last_name")
    list_select_related = ("user",)
    fields = ("person", "method", "added", "last_used")
    readonly_fields = fields
    ordering = ("-created_at",)

    @admin.display(description=_("person"), ordering="user__email")
    def person(self, obj):
        return obj.user

    @admin.display(description=_("method"), ordering="type")
    def method(self, obj):
        return obj.get_type_display()

    @admin.display(description=_("added"), ordering="created_at")
    def added(self, obj):
        return obj.created_at

    @admin.display(description=_("last used"), ordering="last_used_at")
    def last_used(self, obj):
        return obj.last_used_at

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
