"""Routing consultation requests to the nearest qualified adviser, and escalating overdue ones.

A decision is taken under the request's row lock and stored as a `RoutingDecision` (unique per
request and hop), so a second run of the same routing — a redelivered task, two beat ticks —
finds the first one instead of assigning twice. The number of queries of a decision does not
depend on the size of the network: one ranking query on tuples (`selectors.qualified_candidates`),
one for the points whose territory covers the employer (`service_points.territory`: those are
offered first, the others only when none of them can take it), aggregates for the caseload of
the nearest candidates (two, and one per source registered in `consultations.caseload`), one
query for their names (and, on a first routing, one for the
adviser who served the company last: `prefer_last_advisor`).
Emails go out through a task queued after the commit.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from accounts.access import Role, role_of
from accounts.models import User
from advisors.models import Advisor
from appointments.models import Appointment, Topic
from appointments.selectors import (
    contact_of,
    last_advisor,
    qualified_candidates,
    ranked_options,
    reassignment_candidates,
)
from consultations import caseload
from consultations.models import ConsultationRequest, RoutingDecision
from consultations.services import NOT_ELIGIBLE, NOT_OPEN, RequestError
from core.business_hours import add_business_hours
from core.emails import build_email
from core.queue import enqueue
from service_points.models import Municipality
from service_points.territory import points_serving

EMAILS = "consultations/email/"

logger = logging.getLogger(__name__)

STORED_CANDIDATES = 10  # candidates kept in a decision, nearest first
UNROUTED_GRACE = timedelta(minutes=2)  # a NEW request older than this lost its routing message
SWEEP_BATCH = 500  # requests handled per beat tick; the next tick takes the rest

Status = ConsultationRequest.Status
Reason = RoutingDecision.Reason
TO_MANAGER = (Reason.NO_CANDIDATE, Reason.MAX_HOPS, Reason.CANDIDATES_EXHAUSTED, Reason.DECLINED_TO_MANAGER)


class RoutingNeed(Protocol):
    """What ranking weighs: a consultation request, or anything else routed by the same rules
    (a company file: company_files.services)."""

    company_id: int
    topic: Topic
    language: str
    mode: str
    municipality: Municipality


@dataclass
class Ranked:
    """One adviser as a decision weighs them."""

    advisor_id: int
    service_point_id: int | None
    distance_km: float
    load: int = 0
    in_territory: bool | None = None  # as selectors.Option: None where no point serves the place

    @property
    def tier(self) -> tuple:
        """Territory first, then distance: distances rounded to 0.1 km are ties (as in
        selectors.ranked_options), which the lighter caseload breaks."""
        return (not self.in_territory, round(self.distance_km, 1))

    @property
    def key(self) -> tuple:
        return (*self.tier, self.load, self.advisor_id)


def open_caseload(advisor_ids, *, now: datetime | None = None) -> dict[int, int]:
    """Open requests assigned to each adviser + their upcoming confirmed appointments + the work
    other apps register (`consultations.caseload`: company files in progress): 2 queries + 1 a source."""
    now = now or timezone.now()
    ids = list(advisor_ids)
    load = dict.fromkeys(ids, 0)
    if not ids:
        return load
    requests = (
        ConsultationRequest.objects.filter(
            assigned_advisor_id__in=ids, status__in=ConsultationRequest.OPEN_STATUSES
        )
        .values_list("assigned_advisor_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    appointments = (
        Appointment.objects.filter(
            advisor_id__in=ids, status=Appointment.Status.CONFIRMED, starts_at__gte=now
        )
        .values_list("advisor_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for advisor_id, n in [*requests, *appointments, *caseload.registered_load(ids)]:
        load[advisor_id] += n
    return load


def ranked_advisors(request: RoutingNeed, *, exclude=(), now: datetime | None = None) -> list[Ranked]:
    """Qualified advisers for the request, those whose point serves the employer's municipality
    first (service_points.territory), then nearest first, ties by caseload: 4 queries, and one per
    caseload source registered in `consultations.caseload`.

    Caseloads are loaded for the stored candidates and for everyone tied with the nearest, which
    is all a decision looks at.
    """
    options = ranked_options(
        qualified_candidates(topic=request.topic, language=request.language),
        mode=request.mode,
        latitude=request.municipality.latitude,
        longitude=request.municipality.longitude,
        serving=points_serving(request.municipality),
    )
    nearest: dict[int, Ranked] = {}
    for option in options:  # in territory, then by distance: an adviser's first option is their best
        if option.advisor_id not in exclude and option.advisor_id not in nearest:
            nearest[option.advisor_id] = Ranked(
                option.advisor_id,
                option.service_point_id,
                option.distance_km,
                in_territory=option.in_territory,
            )
    ranked = list(nearest.values())
    if not ranked:
        return []
    tied = sum(1 for r in ranked if r.tier == ranked[0].tier)
    weighed = ranked[: max(STORED_CANDIDATES, tied)]
    load = open_caseload([r.advisor_id for r in weighed], now=now)
    for r in weighed:
        r.load = load[r.advisor_id]
    weighed.sort(key=lambda r: r.key)
    return weighed


def prefer_last_advisor(
    request: RoutingNeed, ranked: list[Ranked], *, now: datetime | None = None
) -> list[Ranked]:
    """Continuity: `ranked` with the adviser who served the company last on the topic moved first,
    if they are a candidate (qualified and among the nearest weighed) and their open caseload is
    at most ROUTING_CONTINUITY_MAX_LOAD_GAP above the one distance and load would choose;
    otherwise `ranked` itself (also when that adviser is the one chosen anyway). 1 query."""
    last = last_advisor(request.company_id, request.topic, now=now)
    if last is None or not ranked or ranked[0].advisor_id == last.pk:
        return ranked
    candidate = next((r for r in ranked if r.advisor_id == last.pk), None)
    if candidate is None or candidate.load - ranked[0].load > settings.ROUTING_CONTINUITY_MAX_LOAD_GAP:
        return ranked
    return [candidate, *(r for r in ranked if r is not candidate)]


def route_request(request_id: int, *, now: datetime | None = None) -> RoutingDecision | None:
    """First routing of a new request (hop 1); None if the request no longer exists.

    A request already routed (status no longer NEW, or its hop already decided) returns the
    existing decision: running this twice never assigns twice.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            request = _locked(request_id)
            if request is None:
                return None
            existing = _existing_decision(request, hop=request.hops + 1)
            if request.status != Status.NEW or existing:
                return existing or request.decisions.order_by("-hop").first()
            ranked = ranked_advisors(request, now=now)
            if not ranked:
                return _to_manager(request, reason=Reason.NO_CANDIDATE, candidates=[], now=now)
            closest = [r for r in ranked if r.tier == ranked[0].tier]
            by_load = len(closest) > 1 and len({r.load for r in closest}) > 1
            reason = Reason.TIE_BY_LOAD if by_load else Reason.NEAREST
            preferred = prefer_last_advisor(request, ranked, now=now)
            if preferred is not ranked:
                ranked, reason = preferred, Reason.CONTINUITY
            elif request.origin == ConsultationRequest.Origin.REFERRAL:
                reason = Reason.REFERRAL  # a partner's referral, to the nearest qualified adviser
            return _assign(request, ranked, reason=reason, now=now)
    except IntegrityError:
        # Another worker decided this hop between our read and our insert: theirs stands.
        return RoutingDecision.objects.filter(request_id=request_id).order_by("-hop").first()


def escalate_request(request_id: int, *, now: datetime | None = None) -> RoutingDecision | None:
    """Move an overdue request to the next nearest untried adviser, or to the regional manager.

    None if the request is not (or no longer) assigned and overdue.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            request = _locked(request_id)
            if (
                request is None
                or request.status != Status.ASSIGNED
                or not request.due_at
                or request.due_at > now
            ):
                return None
            if _existing_decision(request, hop=request.hops + 1):
                return None
            ranked = ranked_advisors(request, exclude=_tried(request), now=now)
            if request.hops >= settings.ROUTING_MAX_HOPS:
                # The manager sees who else could take it.
                return _to_manager(
                    request, reason=Reason.MAX_HOPS, candidates=_candidates_json(ranked), now=now
                )
            if not ranked:
                return _to_manager(request, reason=Reason.CANDIDATES_EXHAUSTED, candidates=[], now=now)
            return _assign(request, ranked, reason=Reason.SLA_ESCALATION, now=now)
    except IntegrityError:
        return None


def decline_request(
    request_id: int, *, by: User, reason: str, now: datetime | None = None
) -> RoutingDecision:
    """The assigned adviser declines (with a reason): the request goes to the next nearest untried
    adviser, or to the regional manager when none is left or the hops are used up.

    Raises PermissionError if `by` is not the assigned adviser of a request still waiting for
    them (the request was escalated, declined or accepted meanwhile)."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _locked(request_id)
        advisor = getattr(by, "advisor", None)
        if (
            request is None
            or advisor is None
            or request.status != Status.ASSIGNED
            or request.assigned_advisor_id != advisor.pk
        ):
            raise PermissionError("not waiting for this adviser")
        ranked = ranked_advisors(request, exclude=_tried(request), now=now)
        note = reason.strip()[:300]
        if request.hops >= settings.ROUTING_MAX_HOPS or not ranked:
            return _to_manager(
                request,
                reason=Reason.DECLINED_TO_MANAGER,
                candidates=_candidates_json(ranked),
                now=now,
                note=note,
                actor=by,
            )
        return _assign(request, ranked, reason=Reason.DECLINED, now=now, note=note, actor=by)


REASSIGNABLE = (Status.ASSIGNED, Status.PROPOSED, Status.MANAGER)


def reassign_directorates(request: ConsultationRequest, user: User) -> list[int]:
    """Directorates whose advisers `user` may give the request to; empty if they may not: 2 queries.

    The request belongs to the directorate of its municipality and to the one of the adviser
    holding it (routing may cross a border): an administrator picks in either, a manager in
    their own if it is one of them."""
    role = role_of(user)
    if role not in (Role.MANAGER, Role.ADMINISTRATOR):
        return []
    ids = {
        Municipality.objects.filter(pk=request.municipality_id)
        .values_list("region__directorate_id", flat=True)
        .first()
    }
    if request.assigned_advisor_id:
        ids.add(
            Advisor.objects.filter(pk=request.assigned_advisor_id)
            .values_list("home_service_point__municipality__region__directorate_id", flat=True)
            .first()
        )
    ids.discard(None)
    if role == Role.ADMINISTRATOR:
        return sorted(ids)
    own = user.managed_directorate.pk
    return [own] if own in ids else []


def reassign_request(
    request_id: int, *, to_advisor: Advisor, by: User, reason: str = "", now: datetime | None = None
) -> RoutingDecision:
    """The regional manager (or an administrator) gives an open request to another adviser of
    the directorate who knows the topic: a decision of its own (the reason as its note), a new
    answer deadline, pending proposals dropped (the new adviser proposes anew). The new adviser,
    the previous one and the employer are emailed after the commit.

    Raises PermissionError if `by` may not reassign it, RequestError(NOT_OPEN) if it is no longer
    open (or not routed yet), RequestError(NOT_ELIGIBLE) for an adviser who cannot take it."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _locked(request_id)
        if request is None:
            raise ConsultationRequest.DoesNotExist(request_id)
        directorates = reassign_directorates(request, by)
        if not directorates:
            raise PermissionError("not the manager of this request's directorate")
        if request.status not in REASSIGNABLE:
            raise RequestError(NOT_OPEN)
        eligible = reassignment_candidates(
            directorate_ids=directorates, topic=request.topic, exclude_advisor_id=request.assigned_advisor_id
        )
        if not eligible.filter(pk=to_advisor.pk).exists():
            raise RequestError(NOT_ELIGIBLE)
        previous_id = request.assigned_advisor_id
        proposals_withdrawn = request.status == Status.PROPOSED
        hop = request.hops + 1
        decision = RoutingDecision.objects.create(
            request=request,
            hop=hop,
            reason=Reason.REASSIGNED,
            chosen_advisor=to_advisor,
            actor=by,
            note=reason.strip()[:300],
        )
        request.proposals.all().delete()
        _hand_over(
            request,
            hop=hop,
            advisor_id=to_advisor.pk,
            manager=None,
            due_at=add_business_hours(now, settings.ROUTING_SLA_BUSINESS_HOURS),
            now=now,
        )
        enqueue("appointments.send_routing_email", decision.pk)
        if previous_id:
            enqueue("appointments.send_request_reassigned_email", decision.pk, "previous", previous_id)
        enqueue(
            "appointments.send_request_reassigned_email",
            decision.pk,
            "employer",
            proposals_withdrawn=proposals_withdrawn,
        )
    return decision


def escalate_overdue(*, now: datetime | None = None) -> int:
    """The beat's sweep: escalate overdue requests, re-queue unrouted ones; returns how many escalated.

    The database is the truth: a NEW request older than UNROUTED_GRACE lost its routing message
    (broker restart) and is queued again; routing it twice is harmless.
    """
    now = now or timezone.now()
    overdue = list(
        ConsultationRequest.objects.filter(status=Status.ASSIGNED, due_at__lte=now)
        .order_by("due_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    escalated = sum(1 for pk in overdue if escalate_request(pk, now=now) is not None)
    requeue_unrouted(now=now)
    return escalated


def requeue_unrouted(*, now: datetime | None = None) -> int:
    """Queue routing again for requests still NEW after UNROUTED_GRACE; returns how many."""
    now = now or timezone.now()
    stale = list(
        ConsultationRequest.objects.filter(status=Status.NEW, created_at__lte=now - UNROUTED_GRACE)
        .order_by("created_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    with transaction.atomic():
        for pk in stale:
            enqueue("appointments.route_request", pk)
    return len(stale)


# Decisions ---------------------------------------------------------------------------------------


def _locked(request_id: int) -> ConsultationRequest | None:
    # of=("self",): lock the request only, not the topic or municipality rows joined in.
    return (
        ConsultationRequest.objects.select_for_update(of=("self",))
        .select_related("topic", "municipality")
        .filter(pk=request_id)
        .first()
    )


def _existing_decision(request: ConsultationRequest, *, hop: int) -> RoutingDecision | None:
    return request.decisions.filter(hop=hop).first()


def _tried(request: ConsultationRequest) -> set[int]:
    """Advisers who already held the request: never chosen again for it."""
    tried = set(request.decisions.exclude(chosen_advisor=None).values_list("chosen_advisor_id", flat=True))
    tried.add(request.assigned_advisor_id)
    return tried


def _candidates_json(ranked: list[Ranked]) -> list[dict]:
    stored = ranked[:STORED_CANDIDATES]
    advisors = Advisor.objects.select_related("user").in_bulk([r.advisor_id for r in stored])
    return [
        {
            "advisor": r.advisor_id,
            "name": str(advisors[r.advisor_id]),
            "distance_km": round(r.distance_km, 1),
            "load": r.load,
            "service_point": r.service_point_id,
            "in_territory": r.in_territory,
        }
        for r in stored
    ]


def _assign(
    request: ConsultationRequest,
    ranked: list[Ranked],
    *,
    reason: str,
    now: datetime,
    note: str = "",
    actor: User | None = None,
) -> RoutingDecision:
    """Give the request to the first of `ranked`; `actor` is the person whose action this
    records (none when the router decides on its own)."""
    chosen = ranked[0]
    hop = request.hops + 1
    with transaction.atomic():  # a savepoint: a unique violation leaves the outer transaction usable
        decision = RoutingDecision.objects.create(
            request=request,
            hop=hop,
            reason=reason,
            chosen_advisor_id=chosen.advisor_id,
            candidates=_candidates_json(ranked),
            note=note,
            actor=actor,
        )
    _hand_over(
        request,
        hop=hop,
        advisor_id=chosen.advisor_id,
        manager=None,
        due_at=add_business_hours(now, settings.ROUTING_SLA_BUSINESS_HOURS),
        now=now,
    )
    enqueue("appointments.send_routing_email", decision.pk)
    return decision


def _hand_over(
    request: ConsultationRequest, *, hop: int, advisor_id: int | None, manager, due_at, now: datetime
) -> None:
    """Give the request to an adviser (ASSIGNED, answer due) or to a manager (MANAGER)."""
    request.assigned_advisor_id = advisor_id
    request.assigned_manager = manager
    request.status = Status.ASSIGNED if advisor_id else Status.MANAGER
    request.assigned_at = now
    request.due_at = due_at
    request.hops = hop
    request.save(
        update_fields=[
            "assigned_advisor",
            "assigned_manager",
            "status",
            "assigned_at",
            "due_at",
            "hops",
            "updated_at",
        ]
    )


def regional_manager(request: ConsultationRequest) -> User | None:
    """The manager of the directorate covering the request's municipality: 1 query."""
    return User.objects.filter(managed_directorate__regions__municipalities=request.municipality_id).first()


def _to_manager(
    request: ConsultationRequest,
    *,
    reason: str,
    candidates: list[dict],
    now: datetime,
    note: str = "",
    actor: User | None = None,
) -> RoutingDecision:
    manager = regional_manager(request)
    hop = request.hops + 1
    with transaction.atomic():
        decision = RoutingDecision.objects.create(
            request=request,
            hop=hop,
            reason=reason,
            chosen_manager=manager,
            candidates=candidates,
            note=note,
            actor=actor,
        )
    if manager is None:
        logger.warning("Request %s goes to the manager, but its directorate has none", request.pk)
    # The adviser who let it lapse no longer holds it; the decisions keep who was tried.
    _hand_over(request, hop=hop, advisor_id=None, manager=manager, due_at=None, now=now)
    if manager is not None:
        enqueue("appointments.send_routing_email", decision.pk)
    return decision


# Emails ------------------------------------------------------------------------------------------


def _absolute(name: str, *, language: str, args=()) -> str:
    with translation.override(language):
        try:
            path = reverse(name, args=args)
        except NoReverseMatch:
            path = "/" if language.startswith("fr") else "/en/"
    return f"{settings.SITE_URL}{path}"


def send_routing_email(decision_id: int) -> int:
    """Tell the chosen adviser (request_assigned) or manager (request_escalated); returns emails sent."""
    decision = (
        RoutingDecision.objects.select_related(
            "chosen_advisor__user",
            "chosen_manager",
            "request__topic",
            "request__company",
            "request__municipality__region__directorate",
            "request__requested_by__employer_profile",
        )
        .filter(pk=decision_id)
        .first()
    )
    if decision is None or decision.hop != decision.request.hops:
        return 0  # the request has moved on since: the next decision sends its own email
    request = decision.request
    if decision.chosen_advisor_id:
        user = decision.chosen_advisor.user
        template = "request_assigned"
    else:
        user = decision.chosen_manager
        template = "request_escalated"
    if user is None or not user.is_active:
        return 0
    with translation.override(user.language):
        context = {
            "decision": decision,
            "request": request,
            "contact": contact_of(request.requested_by, phone=request.contact_phone),
            "user": user,
            "link": _absolute("appointments:handle", language=user.language, args=(request.uid,)),
            "escalated": decision.reason == Reason.SLA_ESCALATION,
            "declined": decision.reason == Reason.DECLINED,
            "reassigned": decision.reason == Reason.REASSIGNED,
            "site_url": settings.SITE_URL,
        }
        build_email(template, context, to=[user.email], folder=EMAILS).send()
    return 1


def send_request_reassigned_email(
    decision_id: int,
    *,
    audience: str,
    previous_advisor_id: int | None = None,
    proposals_withdrawn: bool = False,
) -> int:
    """After a reassignment, tell the previous adviser ("previous": off your list) or the
    employer ("employer": who handles the request now); returns emails sent."""
    decision = (
        RoutingDecision.objects.select_related(
            "chosen_advisor__user", "request__topic", "request__company", "request__requested_by"
        )
        .filter(pk=decision_id)
        .first()
    )
    if decision is None:
        return 0
    request = decision.request
    if audience == "previous":
        advisor = Advisor.objects.select_related("user").filter(pk=previous_advisor_id).first()
        if advisor is None or request.assigned_advisor_id == advisor.pk:
            return 0  # given back to them since
        user, template, link_name = advisor.user, "request_reassigned_previous", "appointments:inbox"
        args = ()
    else:
        if decision.hop != request.hops:
            return 0  # the request has moved on since
        user, template, link_name = (
            request.requested_by,
            "request_reassigned_employer",
            "appointments:request_detail",
        )
        args = (request.uid,)
    if user is None or not user.is_active:
        return 0
    with translation.override(user.language):
        context = {
            "decision": decision,
            "request": request,
            "advisor": decision.chosen_advisor,
            "user": user,
            "proposals_withdrawn": proposals_withdrawn,
            "link": _absolute(link_name, language=user.language, args=args),
            "site_url": settings.SITE_URL,
        }
        build_email(template, context, to=[user.email], folder=EMAILS).send()
    return 1
