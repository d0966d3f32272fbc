"""Reads of consultation requests: who is waiting for what, who may see which."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.access import Role, directorates_visible_to, role_of
from accounts.selectors import acting_person, role_joins
from consultations.models import ConsultationRequest, RoutingDecision


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


def decisions_of(request: ConsultationRequest) -> QuerySet[RoutingDecision]:
    """The request's routing decisions, first hop first, with what `decided_by` reads: 1 query."""
    return request.decisions.select_related(
        "chosen_advisor__user", "chosen_manager", "actor", *role_joins("actor")
    ).order_by("hop")


def decided_by(decision: RoutingDecision) -> dict:
    """Who decided, as {"name", "detail"}: the person who acted (with their role), or the system
    with the rule it applied, or "not recorded" for a person's decision written before actors
    were kept (consultations migration 0003)."""
    if decision.actor is not None:
        return acting_person(decision.actor)
    if decision.decided_by_router:
        return {"name": _("System"), "detail": _("Rule: %(rule)s") % {"rule": decision.get_reason_display()}}
    return {"name": _("Not recorded"), "detail": ""}
