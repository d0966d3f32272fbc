"""Reads of consultation requests: who is waiting for what, who may see which."""

from django.db.models import Q

from accounts.access import Role, directorates_visible_to, role_of
from consultations.models import ConsultationRequest


def requests_waiting_for(user) -> Q:
    """Requests waiting for this user's answer."""
    if role_of(user) == Role.MANAGER:
        return Q(status=ConsultationRequest.Status.MANAGER, assigned_manager=user)
    return Q(
        assigned_advisor=user.advisor,
        status__in=[ConsultationRequest.Status.ASSIGNED, ConsultationRequest.Status.PROPOSED],
    )


def requests_visible_to(user) -> Q:
    """Requests a staff member may open: their own; a manager's whole directorate."""
    if role_of(user) in (Role.MANAGER, Role.ADMINISTRATOR):
        ids = list(directorates_visible_to(user).values_list("pk", flat=True))
        return (
            Q(municipality__region__directorate__in=ids)
            | Q(assigned_advisor__home_service_point__municipality__region__directorate__in=ids)
            | Q(assigned_manager=user)
        )
    return Q(assigned_advisor=user.advisor) | Q(decisions__chosen_advisor=user.advisor)
