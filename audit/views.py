"""The audit trail pages: a directorate's, and the national one for administrators."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from accounts.access import Role, can_view_directorate, role_of, role_required
from audit import selectors
from midi_regions.models import RegionalDirectorate


@role_required(Role.MANAGER, Role.ADMINISTRATOR)
def audit(request, code: str):
    """Who changed what in the directorate: the latest appointment events and routing decisions."""
    directorate = get_object_or_404(RegionalDirectorate, code=code)
    if not can_view_directorate(request.user, directorate):
        raise Http404
    return render(
        request,
        "audit/audit.html",
        {"directorate": directorate, "rows": selectors.audit_trail(directorate)},
    )


@role_required(Role.MANAGER, Role.ADMINISTRATOR)
def national_audit(request):
    """Every role change, nationwide, staff flags included: administrators only (a manager gets
    the 404 of the national dashboard)."""
    if role_of(request.user) != Role.ADMINISTRATOR:
        raise Http404
    return render(request, "audit/national_audit.html", {"changes": selectors.role_changes()})
