"""Writes for consultation requests: an employer asks, the router assigns an adviser, the adviser
proposes times or books one, the employer picks a proposed time. One transaction each; the
routing task and the emails run after commit.

Who may act on a request is checked here, not only in the views: the assigned adviser, or the
regional manager the request was escalated to, and the company's representatives for their own.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from accounts.models import Company, User
from advisors.models import Advisor
from appointments import selectors, services
from appointments.models import Topic
from consultations.models import ConsultationRequest, ProposedTime
from core.emails import build_email
from core.errors import ServiceError
from core.queue import enqueue
from service_points.models import Municipality

EMAILS = "consultations/email/"

MAX_PROPOSALS = 3

NOT_OPEN = "not_open"  # booked, withdrawn: nothing more to do (409)
NOT_YOURS = "not_yours"  # assigned to someone else meanwhile (409)
NO_TIMES = "no_times"  # propose at least one time (400)
NOT_ELIGIBLE = "not_eligible"  # the chosen adviser cannot take the request (reassignment, 409)


class RequestError(ServiceError):
    """The request cannot be filed, answered or withdrawn; `code` says why."""

    messages = {
        NOT_OPEN: gettext_lazy("This request is closed: it was booked or withdrawn."),
        NOT_YOURS: gettext_lazy("This request is no longer assigned to you."),
        NO_TIMES: gettext_lazy("Tick at least one time."),
        NOT_ELIGIBLE: gettext_lazy(
            "This adviser cannot take the request: they must be active, in the directorate, know the "
            "topic, and not hold it already."
        ),
    }
    statuses = {NO_TIMES: 400}


@dataclass(frozen=True)
class RequestData:
    topic: Topic
    mode: str
    municipality: Municipality
    language: str
    preferred_weekdays: list[int]
    preferred_time: str
    message: str
    contact_phone: str = ""  # E.164 (core.phones); the form's and the API's `phone`

    @classmethod
    def from_cleaned(cls, data: dict) -> "RequestData":
        """From the validated fields of the page's form or the API's serializer (same names)."""
        fields = {name: data[name] for name in cls.__dataclass_fields__ if name != "contact_phone"}
        return cls(**fields, contact_phone=data.get("phone") or "")


def create_request(*, company: Company, user: User, data: RequestData) -> ConsultationRequest:
    """Save the request, then route it (Celery) once the transaction commits."""
    with transaction.atomic():
        request = ConsultationRequest.objects.create(
            company=company,
            requested_by=user,
            topic=data.topic,
            mode=data.mode,
            municipality=data.municipality,
            language=data.language,
            preferred_weekdays=sorted(set(data.preferred_weekdays)),
            preferred_time=data.preferred_time,
            message=data.message,
            contact_phone=data.contact_phone,
        )
        enqueue("appointments.route_request", request.pk)
    return request


def may_handle(request: ConsultationRequest, user: User) -> bool:
    """The assigned adviser, or the manager the request was escalated to."""
    if request.status == ConsultationRequest.Status.MANAGER:
        return request.assigned_manager_id == user.pk
    advisor = getattr(user, "advisor", None)
    return (
        advisor is not None
        and request.assigned_advisor_id == advisor.pk
        and request.status in (ConsultationRequest.Status.ASSIGNED, ConsultationRequest.Status.PROPOSED)
    )


def _locked(request: ConsultationRequest, user: User) -> ConsultationRequest:
    current = ConsultationRequest.objects.select_for_update().get(pk=request.pk)
    if not current.is_open or current.status == ConsultationRequest.Status.NEW:
        raise RequestError(NOT_OPEN)
    if not may_handle(current, user):
        raise RequestError(NOT_YOURS)
    return current


def _advisor_for(current: ConsultationRequest, by: User, advisor_id: int) -> Advisor:
    """An adviser may act for themself only; the manager for any active adviser."""
    if current.status != ConsultationRequest.Status.MANAGER and advisor_id != current.assigned_advisor_id:
        raise RequestError(NOT_YOURS)
    advisor = Advisor.objects.filter(pk=advisor_id, is_active=True).first()
    if advisor is None:
        raise services.BookingError(services.SLOT_UNAVAILABLE)
    return advisor


def propose_times(
    *,
    request: ConsultationRequest,
    by: User,
    choices: list[services.SlotChoice],
    now: datetime | None = None,
) -> ConsultationRequest:
    """Offer the employer up to three free times; the employer books one of them."""
    now = now or timezone.now()
    if not choices:
        raise RequestError(NO_TIMES)
    with transaction.atomic():
        current = _locked(request, by)
        proposals = []
        for choice in sorted(set(choices[:MAX_PROPOSALS]), key=lambda c: c.starts_at):
            advisor = _advisor_for(current, by, choice.advisor_id)
            slot = selectors.find_free_slot(
                advisor=advisor,
                topic=current.topic,
                mode=current.mode,
                location=current.municipality,
                service_point_id=choice.service_point_id,
                starts_at=choice.starts_at,
                now=now,
            )
            if slot is None:
                raise services.BookingError(services.SLOT_UNAVAILABLE)
            proposals.append(
                ProposedTime(
                    request=current,
                    advisor=advisor,
                    service_point_id=slot.service_point_id,
                    starts_at=slot.start,
                )
            )
        current.proposals.all().delete()
        ProposedTime.objects.bulk_create(proposals)
        current.status = ConsultationRequest.Status.PROPOSED
        current.accepted_at = current.accepted_at or now
        current.save(update_fields=["status", "accepted_at", "updated_at"])
        enqueue_request_email(current, "proposed")
    return current


def book_for_employer(
    *,
    request: ConsultationRequest,
    by: User,
    choice: services.SlotChoice,
    now: datetime | None = None,
) -> ConsultationRequest:
    """The adviser (or manager) books a time directly; the employer gets the usual confirmation."""
    now = now or timezone.now()
    with transaction.atomic():
        current = _locked(request, by)
        advisor = _advisor_for(current, by, choice.advisor_id)
        appointment = services.book_appointment(
            company=current.company,
            booked_by=current.requested_by,
            topic=current.topic,
            mode=current.mode,
            location=current.municipality,
            choice=services.SlotChoice(advisor.pk, choice.service_point_id, choice.starts_at),
            message=current.message,
            contact_phone=current.contact_phone,
            actor=by,
            now=now,
        )
        _close_booked(current, appointment, now)
    return current


def book_proposed_time(
    *, request: ConsultationRequest, by: User, proposal_id: int, now: datetime | None = None
) -> ConsultationRequest:
    """The employer books one of the proposed times."""
    now = now or timezone.now()
    with transaction.atomic():
        current = ConsultationRequest.objects.select_for_update().get(pk=request.pk)
        if current.status != ConsultationRequest.Status.PROPOSED:
            raise RequestError(NOT_OPEN)
        proposal = current.proposals.filter(pk=proposal_id).first()
        if proposal is None:
            raise services.BookingError(services.SLOT_UNAVAILABLE)
        appointment = services.book_appointment(
            company=current.company,
            booked_by=by,
            topic=current.topic,
            mode=current.mode,
            location=current.municipality,
            choice=services.SlotChoice(proposal.advisor_id, proposal.service_point_id, proposal.starts_at),
            message=current.message,
            contact_phone=current.contact_phone,
            now=now,
        )
        _close_booked(current, appointment, now)
    return current


def _close_booked(current: ConsultationRequest, appointment, now: datetime) -> None:
    current.appointment = appointment
    current.status = ConsultationRequest.Status.BOOKED
    current.accepted_at = current.accepted_at or now
    current.save(update_fields=["appointment", "status", "accepted_at", "updated_at"])


def withdraw_request(*, request: ConsultationRequest, by: User) -> ConsultationRequest:
    """The employer no longer needs the consultation."""
    with transaction.atomic():
        current = ConsultationRequest.objects.select_for_update().get(pk=request.pk)
        if not current.is_open:
            raise RequestError(NOT_OPEN)
        current.status = ConsultationRequest.Status.WITHDRAWN
        current.save(update_fields=["status", "updated_at"])
    return current


def enqueue_request_email(request: ConsultationRequest, event: str) -> None:
    enqueue("appointments.send_request_email", request.pk, event)


def send_request_email(*, request_id: int, event: str) -> int:
    """Tell the employer that times were proposed (the booking itself sends its confirmation)."""
    request = ConsultationRequest.objects.select_related(
        "requested_by", "topic", "company", "municipality"
    ).get(pk=request_id)
    user = request.requested_by
    if user is None or not user.is_active or request.status != ConsultationRequest.Status.PROPOSED:
        return 0
    proposals = list(request.proposals.select_related("advisor__user", "service_point__municipality"))
    with translation.override(user.language):
        from django.urls import reverse

        context = {
            "request": request,
            "proposals": proposals,
            "user": user,
            "url": settings.SITE_URL + reverse("appointments:request_detail", kwargs={"uid": request.uid}),
        }
        message = build_email("request_proposed", context, to=[user.email], folder=EMAILS)
        message.send()
    return 1
