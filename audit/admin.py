"""The audit trail of roles in the Django admin: read only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.models import RoleChange


@admin.register(RoleChange)
class RoleChangeAdmin(admin.ModelAdmin):
    """The role audit trail, read-only: rows are written by audit.role_changes only."""

    list_display = (
        "at",
        "subject_label",
        "what",
        "before_value",
        "after_value",
        "directorate",
        "actor_label",
    )
    list_filter = ("what", "directorate")
    search_fields = ("subject_label", "actor_label")
    list_select_related = ("directorate",)
    date_hierarchy = "at"

    @admin.display(description=_("before"))
    def before_value(self, obj):
        return obj.before_display

    @admin.display(description=_("after"))
    def after_value(self, obj):
        return obj.after_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
