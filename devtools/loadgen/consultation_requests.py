"""Load consultation requests in every routing state, most of them booked."""

import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from django.conf import settings
from django.db.models import F

from accounts.models import Company
from advisors.models import Advisor
from appointments.models import Appointment, Mode
from consultations.models import ConsultationRequest
from core.business_hours import add_business_hours
from midi_regions.models import RegionalDirectorate

from .common import LOAD_APPOINTMENTS, NEQ_PREFIX, PAST_DAYS, LoadReport, bulk, random_uuid, rng_for

RequestStatus = ConsultationRequest.Status
REQUEST_STATUSES = (
    [
        RequestStatus.BOOKED,
        RequestStatus.WITHDRAWN,
        RequestStatus.ASSIGNED,
        RequestStatus.PROPOSED,
        RequestStatus.MANAGER,
    ],
    [70, 10, 10, 5, 5],
)
REQUEST_HOPS = ([1, 2, 3], [75, 18, 7])
REQUEST_MODES = ([Mode.SERVICE_POINT, Mode.VIDEO, Mode.PHONE, Mode.PREMISES], [35, 30, 25, 10])
REQUEST_OVERDUE = 0.2  # share of the requests waiting for their adviser whose answer is late
REQUEST_OPEN_DAYS = 5  # requests still waiting for an adviser were sent in the last few days
REQUEST_MANAGER_DAYS = 30
REQUEST_ENGLISH = 0.1


def load_requests(total: int, seed: int, report: LoadReport, *, now: datetime) -> None:
    """`total` consultation requests of load companies in every routing state.

    Most are booked: those take a load appointment of their own (same company, topic, mode and
    adviser, sent 1 to 21 days before it) while unlinked active load appointments last; the
    others are booked without a link. Waiting requests are recent, with an answer due in the
    next business days (a fifth overdue); requests with the manager went through every hop or
    found nobody; withdrawn ones are spread over the past PAST_DAYS days.
    """
    rng = rng_for(seed, "requests")
    writer = _RequestWriter(rng=rng, now=now, network=_Network.load())
    statuses = rng.choices(*REQUEST_STATUSES, k=total)
    writer.links = _free_appointments(statuses.count(RequestStatus.BOOKED))
    rng.shuffle(writer.links)
    created = bulk(
        ConsultationRequest, writer.requests(statuses), report, "consultation requests", dated=True
    )
    report.notes.append(
        f"{created} consultation requests: {statuses.count(RequestStatus.BOOKED)} booked "
        f"({writer.linked} linked to a load appointment), {statuses.count(RequestStatus.ASSIGNED)} waiting "
        f"for an adviser ({writer.overdue} overdue), {statuses.count(RequestStatus.PROPOSED)} with proposed "
        f"times, {statuses.count(RequestStatus.MANAGER)} with the manager, "
        f"{statuses.count(RequestStatus.WITHDRAWN)} withdrawn"
    )


@dataclass
class _Network:
    """Who a request can come from and go to: load companies, advisers by directorate, the
    topics each adviser knows, the directorates' managers."""

    companies: list[tuple]  # (company, municipality, directorate, representative)
    advisers: dict[int, list[int]]  # directorate → active advisers
    knows: dict[int, list[int]]  # adviser → topics
    managers: dict[int, int]  # directorate → manager

    @classmethod
    def load(cls) -> "_Network":
        companies = list(
            Company.objects.filter(neq__startswith=NEQ_PREFIX)
            .order_by("neq")
            .values_list(
                "pk", "municipality_id", "municipality__region__directorate_id", "representatives__user_id"
            )
        )
        if not companies:
            raise ValueError("No load company: create load appointments first (--appointments).")
        advisers = defaultdict(list)
        for pk, directorate_id in (
            Advisor.objects.filter(is_active=True)
            .order_by("pk")
            .values_list("pk", "home_service_point__municipality__region__directorate_id")
        ):
            advisers[directorate_id].append(pk)
        if not any(advisers.values()):
            raise ValueError("No active adviser: run seed_network first.")
        knows = defaultdict(list)
        for advisor_id, topic_id in Advisor.topics.through.objects.order_by("pk").values_list(
            "advisor_id", "topic_id"
        ):
            knows[advisor_id].append(topic_id)
        managers = dict(RegionalDirectorate.objects.values_list("pk", "manager_id"))
        return cls(companies, advisers, knows, managers)

    @cached_property
    def representative(self) -> dict[int, int]:
        return {pk: user_id for pk, _m, _d, user_id in self.companies}

    @cached_property
    def everyone(self) -> list[int]:
        return [pk for group in self.advisers.values() for pk in group]


def _free_appointments(wanted: int) -> list[tuple]:
    """About `wanted` active load appointments no request holds yet, by id."""
    free = Appointment.objects.filter(
        **LOAD_APPOINTMENTS, status__in=Appointment.ACTIVE_STATUSES, request__isnull=True
    )
    # Every n-th free appointment (by id) gives about as many as needed without reading them all.
    step = max(1, free.count() // max(wanted, 1))
    if step > 1:
        free = free.alias(bucket=F("pk") % step).filter(bucket=0)
    return list(
        free.order_by("pk").values_list(
            "pk", "company_id", "municipality_id", "topic_id", "mode", "advisor_id", "starts_at", "created_at"
        )
    )


def _sent_at(rng: random.Random, now: datetime, days: int) -> datetime:
    return now - timedelta(seconds=rng.randint(600, days * 86400))


@dataclass
class _RequestWriter:
    """Makes one request per status: booked ones on a free appointment while there are some,
    the others routed to an adviser of the company's directorate (or its manager)."""

    rng: random.Random
    now: datetime
    network: _Network
    links: list[tuple] = field(default_factory=list)
    linked: int = 0
    overdue: int = 0

    def requests(self, statuses: list[str]) -> Iterator[ConsultationRequest]:
        representative = self.network.representative
        sla = settings.ROUTING_SLA_BUSINESS_HOURS
        for status in statuses:
            row = ConsultationRequest(
                uid=random_uuid(self.rng),
                status=status,
                language="en" if self.rng.random() < REQUEST_ENGLISH else "fr",
            )
            if status == RequestStatus.BOOKED and self.links:
                sent, late = self._on_appointment(row, self.links.pop()), False
            else:
                sent, late = self._routed(row, status)
            row.requested_by_id = representative[row.company_id]
            row.created_at = sent
            self._deadlines(row, status, late, sla)
            yield row

    def _on_appointment(self, row: ConsultationRequest, link: tuple) -> datetime:
        """A booked request that led to this load appointment; returns when it was sent."""
        pk, company_id, municipality_id, topic_id, mode, advisor_id, starts_at, booked_at = link
        sent = min(starts_at - timedelta(hours=self.rng.randint(24, 21 * 24)), booked_at, self.now)
        row.appointment_id = pk
        row.company_id, row.municipality_id = company_id, municipality_id
        row.topic_id, row.mode = topic_id, mode
        row.assigned_advisor_id = advisor_id
        row.hops = self.rng.choices(*REQUEST_HOPS)[0]
        row.accepted_at = min(booked_at, sent + timedelta(hours=self.rng.randint(1, 30)))
        self.linked += 1
        return sent

    def _routed(self, row: ConsultationRequest, status: str) -> tuple[datetime, bool]:
        """A request routed near a random load company; returns (sent, overdue)."""
        rng, now, network = self.rng, self.now, self.network
        company_id, municipality_id, directorate_id, _user = rng.choice(network.companies)
        advisor_id = rng.choice(network.advisers.get(directorate_id) or network.everyone)
        row.company_id, row.municipality_id = company_id, municipality_id
        row.topic_id = rng.choice(
            network.knows[advisor_id] or [t for group in network.knows.values() for t in group]
        )
        row.mode = rng.choices(*REQUEST_MODES)[0]
        row.hops = rng.choices(*REQUEST_HOPS)[0]
        row.assigned_advisor_id = advisor_id
        late = status == RequestStatus.ASSIGNED and rng.random() < REQUEST_OVERDUE
        if late:
            sent = now - timedelta(seconds=rng.randint(3 * 86400, 10 * 86400))
            self.overdue += 1
        elif status in (RequestStatus.ASSIGNED, RequestStatus.PROPOSED):
            sent = _sent_at(rng, now, REQUEST_OPEN_DAYS)
        elif status == RequestStatus.MANAGER:
            sent = _sent_at(rng, now, REQUEST_MANAGER_DAYS)
            row.assigned_advisor_id = None
            row.assigned_manager_id = network.managers.get(directorate_id)
            # Either every hop timed out, or no adviser covered the request at all.
            row.hops = settings.ROUTING_MAX_HOPS + 1 if rng.random() < 0.7 else 1
        else:
            sent = _sent_at(rng, now, PAST_DAYS)
            if status == RequestStatus.WITHDRAWN and rng.random() < 0.4:
                row.assigned_advisor_id = None  # withdrawn before routing
                row.hops = 0
        if status in (RequestStatus.PROPOSED, RequestStatus.BOOKED):
            row.accepted_at = min(now, sent + timedelta(hours=rng.randint(1, 30)))
        return sent, late

    def _deadlines(self, row: ConsultationRequest, status: str, late: bool, sla) -> None:
        """When the current hop was assigned and when its answer is (or was) due."""
        now = self.now
        if row.hops:
            # The current hop was assigned once the previous ones had timed out (16 h each).
            row.assigned_at = min(now, row.created_at + timedelta(minutes=1 + (row.hops - 1) * 16 * 60))
            if row.assigned_advisor_id:
                row.due_at = add_business_hours(row.assigned_at, sla)
        if status == RequestStatus.ASSIGNED:
            if late:
                row.due_at = now - timedelta(minutes=self.rng.randint(5, 24 * 60))
            elif row.due_at <= now:
                row.due_at = now + timedelta(minutes=self.rng.randint(30, 48 * 60))
