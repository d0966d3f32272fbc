"""Reads of the audit trail: appointment events, routing decisions, availability and role changes."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.selectors import acting_person, role_joins
from advisors.models import AvailabilityChange
from appointments.models import AppointmentEvent
from audit.models import RoleChange
from consultations.models import RoutingDecision
from consultations.selectors import decided_by


def audit_trail(directorate, *, limit: int = 200) -> list[dict]:
    """The directorate's latest recorded changes, newest first: appointment events (booked,
    moved, cancelled, confirmed, held, missed, reassigned, with who and why), routing decisions
    (assigned, escalated, declined, reassigned), availability changes and role changes of its
    advisers and manager. Four queries."""
    events = (
        AppointmentEvent.objects.filter(
            appointment__advisor__home_service_point__municipality__region__directorate=directorate
        )
        .select_related(
            "actor",
            *role_joins("actor"),
            "appointment__company",
            "appointment__topic",
            "appointment__advisor__user",
        )
        .order_by("-at", "-pk")[:limit]
    )
    decisions = (
        RoutingDecision.objects.filter(request__municipality__region__directorate=directorate)
        .select_related(
            "actor",
            *role_joins("actor"),
            "request__company",
            "request__topic",
            "chosen_advisor__user",
            "chosen_manager",
        )
        .order_by("-decided_at", "-pk")[:limit]
    )
    rows = [
        {
            "at": e.at,
            "kind": "appointment",
            "what": e.get_action_display(),
            # No actor: the employer acted through the emailed link, without signing in.
            "by": acting_person(e.actor)
            if e.actor
            else {"name": _("The employer"), "detail": _("Through the emailed link")},
            "company": e.appointment.company.legal_name,
            "topic": e.appointment.topic.name,
            "adviser": str(e.appointment.advisor),
            "reason": e.reason,
            "appointment": e.appointment,
            # A move shows its times before → after (a reassignment's reason names both advisers).
            "moved_from": e.previous_starts_at,
            "moved_to": e.starts_at if e.previous_starts_at else None,
        }
        for e in events
    ] + [
        {
            "at": d.decided_at,
            "kind": "request",
            "what": d.event_label,
            "by": decided_by(d),
            "company": d.request.company.legal_name,
            "topic": d.request.topic.name,
            "adviser": str(d.chosen_advisor) if d.chosen_advisor else (str(d.chosen_manager or "") or None),
            "reason": d.note,
            "request": d.request,
            "decision": d,
        }
        for d in decisions
    ]
    changes = (
        AvailabilityChange.objects.filter(
            advisor__home_service_point__municipality__region__directorate=directorate
        )
        .select_related("actor", *role_joins("actor"), "advisor__user")
        .order_by("-at", "-pk")[:limit]
    )
    rows += [
        {
            "at": c.at,
            "kind": "availability",
            "what": _("%(action)s: %(change)s") % {"action": c.get_action_display(), "change": c.description},
            "by": acting_person(c.actor) if c.actor else {"name": _("Not recorded"), "detail": ""},
            "company": "",
            "topic": "",
            "adviser": str(c.advisor),
            "reason": "",
        }
        for c in changes
    ]
    # Role changes of its advisers and its manager (an adviser who left for another directorate
    # shows in both). One query, labels are snapshots: no join.
    roles = role_changes(
        RoleChange.objects.filter(Q(directorate=directorate) | Q(previous_directorate=directorate)),
        limit=limit,
    )
    rows += [
        {
            "at": c.at,
            "kind": "role",
            "role": c.what,
            "what": c.get_what_display(),
            "before": c.before_display,
            "after": c.after_display,
            # The actor's label is a snapshot (role_changes): no role beside it.
            "by": {"name": c.actor_label, "detail": ""}
            if c.actor_label
            else {"name": _("A command or the shell"), "detail": ""},
            "company": "",
            "topic": "",
            "adviser": c.subject_label,
            "reason": "",
        }
        for c in roles
    ]
    return sorted(rows, key=lambda row: row["at"], reverse=True)[:limit]


def role_changes(changes: QuerySet[RoleChange] | None = None, *, limit: int = 200) -> list[RoleChange]:
    """The latest role changes (all of them by default), newest first, with the directorates
    they concern. One query."""
    if changes is None:
        changes = RoleChange.objects.all()
    return list(changes.select_related("directorate", "previous_directorate").order_by("-at", "-pk")[:limit])
