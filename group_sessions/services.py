"""Writes for group sessions: schedule (one or a series), change capacity, cancel, message the
registrants, mark attendance; register, change participants, cancel a registration; the waitlist's
offer-and-hold. One transaction each; emails are `Notice` rows written in it (group_sessions.outbox).

Lock order: the adviser's row (scheduling), a registration's row, then the session's row (its seat
counter, group_sessions.seats). The waitlist's offer locks the session row and then only touches
waitlisted registrations, which nobody holding their lock waits on the session for: no cycle.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from dateutil import rrule
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.access import Role, role_of
from accounts.models import Company, User
from advisors.models import Advisor, Language
from appointments import claims, signals
from appointments.models import Appointment, Topic
from core import local_time, video
from core.business_hours import add_business_hours
from core.errors import ServiceError
from core.queue import enqueue
from group_sessions import notices, seats
from group_sessions.models import (
    LONGEST_SESSION_MINUTES,
    GroupSession,
    Notice,
    Participant,
    Registration,
    SessionMessage,
    SessionMode,
    SessionSeries,
)
from service_points.models import ServicePoint

FULL = "full"  # no seats left for the party (409)
CLOSED = "closed"  # cancelled, or past its registration deadline (409)
ALREADY_REGISTERED = "already_registered"  # the company has a registration already (409)
TOO_MANY = "too_many"  # more participants than a company may bring (400)
NOT_CHANGEABLE = "not_changeable"  # cancelled, lapsed, or the session has started (409)
TIME_TAKEN = "time_taken"  # the presenter has an appointment, a hold or a session then (409)
CAPACITY_TOO_SMALL = "capacity_too_small"  # below the seats registered (409)
ROOM_TOO_SMALL = "room_too_small"  # more seats than the room holds (400)
NOT_STARTED = "not_started"  # attendance before the start (409)
NOT_ALLOWED = "not_allowed"  # not the presenter, their manager or an administrator (403)
OFFER_GONE = "offer_gone"  # the offer lapsed or was answered (410)
BAD_SERIES = "bad_series"  # no occurrence, or too many (400)
SERIES_CONFLICTS = "series_conflicts"  # some occurrences collide with the presenter's calendar (409)

MAX_OCCURRENCES = 52


class SessionError(ServiceError):
    messages = {
        FULL: gettext_lazy(
            "There are not enough seats left for %(seats)s participants: %(left)s seats are left."
        ),
        CLOSED: gettext_lazy("Registration for this session is closed."),
        ALREADY_REGISTERED: gettext_lazy(
            "Your company is already registered for this session. Change the participants of that "
            "registration instead."
        ),
        TOO_MANY: gettext_lazy("A company may register at most %(max)s participants for this session."),
        NOT_CHANGEABLE: gettext_lazy(
            "This can no longer be changed: it is cancelled or the session has started."
        ),
        TIME_TAKEN: gettext_lazy(
            "The presenter already has an appointment, a held time or another session at that time."
        ),
        CAPACITY_TOO_SMALL: gettext_lazy(
            "%(taken)s seats are registered: the capacity cannot go below that. These registrations "
            "would not fit: %(names)s."
        ),
        ROOM_TOO_SMALL: gettext_lazy("The room holds %(room)s people: the capacity cannot be larger."),
        NOT_STARTED: gettext_lazy("Attendance can be marked once the session has started."),
        NOT_ALLOWED: gettext_lazy(
            "Only the presenter, the regional manager of their directorate or an administrator may do this."
        ),
        OFFER_GONE: gettext_lazy(
            "This offer is no longer open: it was answered, or the time to confirm has passed and the "
            "seats went to the next company in line."
        ),
        BAD_SERIES: gettext_lazy("The series must have between 1 and %(max)s sessions."),
        SERIES_CONFLICTS: gettext_lazy(
            "The presenter is not free on these dates: %(dates)s. Nothing was scheduled."
        ),
    }
    statuses = {TOO_MANY: 400, ROOM_TOO_SMALL: 400, BAD_SERIES: 400, NOT_ALLOWED: 403, OFFER_GONE: 410}


# --- Who may manage a session ------------------------------------------------------------------


def may_manage(session: GroupSession, user: User) -> bool:
    """The presenter, the manager of the presenter's directorate, or an administrator."""
    role = role_of(user)
    if role == Role.ADMINISTRATOR:
        return True
    if role == Role.ADVISOR:
        return session.advisor_id == user.advisor.pk
    if role == Role.MANAGER:
        directorate = session.advisor.directorate if session.advisor.home_service_point_id else None
        return directorate is not None and directorate.pk == user.managed_directorate.pk
    return False


def presenters_for(user: User):
    """The advisers `user` may schedule sessions for: themselves, their directorate's, or all."""
    role = role_of(user)
    advisors = Advisor.objects.filter(is_active=True).select_related("user")
    if role == Role.ADMINISTRATOR:
        return advisors
    if role == Role.MANAGER:
        return advisors.filter(home_service_point__municipality__region__directorate=user.managed_directorate)
    if role == Role.ADVISOR:
        return advisors.filter(pk=user.advisor.pk)
    return advisors.none()


# --- Scheduling ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionData:
    """What the scheduling form or the API gives; times are wall-clock times of the place."""

    advisor: Advisor
    topic: Topic
    language: Language
    mode: str
    service_point: ServicePoint | None
    room: str
    room_capacity: int | None
    day: date
    start_time: time
    duration_minutes: int
    capacity: int
    max_party_size: int
    deadline_hours: int  # registration closes this many hours before the start
    waitlist_enabled: bool
    description: str
    materials_url: str

    def zone(self) -> str:
        if self.mode == SessionMode.SERVICE_POINT and self.service_point is not None:
            return self.service_point.municipality.time_zone
        return local_time.EASTERN

    def times(self, day: date) -> tuple[datetime, datetime]:
        start = datetime.combine(day, self.start_time, tzinfo=local_time.zone(self.zone()))
        # Wall clock to UTC through zoneinfo (fold=0): correct across DST changes.
        start = start.astimezone(UTC)
        return start, start + timedelta(minutes=self.duration_minutes)


def _check(data: SessionData) -> None:
    if data.room_capacity is not None and data.capacity > data.room_capacity:
        raise SessionError(ROOM_TOO_SMALL, room=data.room_capacity)
    if not 15 <= data.duration_minutes <= LONGEST_SESSION_MINUTES:
        raise SessionError(BAD_SERIES, max=MAX_OCCURRENCES)


def _presenter_busy(advisor_id: int, starts_at: datetime, ends_at: datetime, now: datetime) -> bool:
    """An active appointment, or any app's claim (waitlist holds, busy times from the adviser's
    own calendar, other sessions) overlaps [starts_at, ends_at). Called under the adviser's row
    lock, which booking takes too: neither can slip in between this check and the insert."""
    overlap = {
        "advisor_id": advisor_id,
        "starts_at__lt": ends_at,
        "starts_at__gt": starts_at - timedelta(hours=12),  # appointments.claims' look-back bound
        "ends_at__gt": starts_at,
    }
    return Appointment.objects.filter(status__in=Appointment.ACTIVE_STATUSES, **overlap).exists() or any(
        query.exists() for query in claims.claimed(now=now, **overlap)
    )


def _new_session(data: SessionData, starts_at: datetime, ends_at: datetime, by: User | None, series=None):
    return GroupSession(
        series=series,
        advisor=data.advisor,
        created_by=by,
        topic=data.topic,
        language=data.language,
        mode=data.mode,
        service_point=data.service_point if data.mode == SessionMode.SERVICE_POINT else None,
        room=data.room if data.mode == SessionMode.SERVICE_POINT else "",
        room_capacity=data.room_capacity if data.mode == SessionMode.SERVICE_POINT else None,
        meeting_url=(
            video.provider().new_room(fixed_link=data.advisor.meeting_link)
            if data.mode == SessionMode.VIDEO
            else ""
        ),
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=data.capacity,
        max_party_size=min(data.max_party_size, data.capacity),
        registration_deadline=starts_at - timedelta(hours=data.deadline_hours),
        waitlist_enabled=data.waitlist_enabled,
        description=data.description,
        materials_url=data.materials_url,
    )


def schedule_session(*, data: SessionData, by: User, now: datetime | None = None) -> GroupSession:
    """Schedule one session; SessionError(TIME_TAKEN) if the presenter is not free then."""
    return schedule_series(data=data, rule="", by=by, now=now)[0]


def occurrences(data: SessionData, rule: str) -> list[date]:
    """The days of a series: `rule` an RRULE (e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=6)
    starting on `data.day`; "" for the one day."""
    if not rule:
        return [data.day]
    try:
        days = [
            moment.date()
            for moment in rrule.rrulestr(rule, dtstart=datetime.combine(data.day, data.start_time))[
                : MAX_OCCURRENCES + 1
            ]
        ]
    except (ValueError, TypeError):
        raise SessionError(BAD_SERIES, max=MAX_OCCURRENCES) from None
    if not 1 <= len(days) <= MAX_OCCURRENCES:
        raise SessionError(BAD_SERIES, max=MAX_OCCURRENCES)
    return days


def schedule_series(
    *, data: SessionData, rule: str, by: User, now: datetime | None = None
) -> list[GroupSession]:
    """Schedule every occurrence of `rule` in one transaction, or none: SessionError
    (SERIES_CONFLICTS) names the dates the presenter is not free."""
    now = now or timezone.now()
    _check(data)
    days = occurrences(data, rule)
    times = [data.times(day) for day in days]
    if any(start - timedelta(hours=data.deadline_hours) < now for start, _ in times):
        raise SessionError(CLOSED)
    try:
        with transaction.atomic():
            # The lock booking takes: an appointment cannot be booked between the check and the insert.
            Advisor.objects.select_for_update().get(pk=data.advisor.pk)
            busy = [start for start, end in times if _presenter_busy(data.advisor.pk, start, end, now)]
            if busy:
                raise SessionError(
                    TIME_TAKEN if not rule else SERIES_CONFLICTS,
                    dates=", ".join(_local_day(start, data.zone()) for start in busy),
                )
            series = SessionSeries.objects.create(rule=rule, created_by=by, created_at=now) if rule else None
            sessions = [_new_session(data, start, end, by, series) for start, end in times]
            for session in sessions:
                session.created_at = now
                session.save()
    except IntegrityError as exc:  # the exclusion constraint: a session of theirs overlaps
        raise SessionError(TIME_TAKEN if not rule else SERIES_CONFLICTS, dates="") from exc
    return sessions


def _local_day(moment: datetime, zone: str) -> str:
    from core.typography import format_datetime

    return format_datetime(local_time.in_zone(moment, zone))


def _locked_session(session: GroupSession, by: User | None) -> GroupSession:
    current = (
        GroupSession.objects.select_for_update(of=("self",))
        .select_related("advisor__home_service_point__municipality__region")
        .get(pk=session.pk)
    )
    if by is not None and not may_manage(current, by):
        raise SessionError(NOT_ALLOWED)
    return current


def change_capacity(
    *, session: GroupSession, capacity: int, by: User, now: datetime | None = None
) -> GroupSession:
    """Raise or lower the capacity. Below the seats registered: SessionError(CAPACITY_TOO_SMALL)
    naming the registrations (latest first in) that would not fit; nothing changes then."""
    now = now or timezone.now()
    with transaction.atomic():
        current = _locked_session(session, by)
        if not current.is_scheduled or current.starts_at <= now:
            raise SessionError(NOT_CHANGEABLE)
        if current.room_capacity is not None and capacity > current.room_capacity:
            raise SessionError(ROOM_TOO_SMALL, room=current.room_capacity)
        if capacity < current.seats_taken:
            seated = list(
                current.registrations.filter(status__in=Registration.SEATED)
                .select_related("company")
                .order_by("created_at", "pk")
            )
            running, left_out = 0, []
            for registration in seated:
                running += registration.seats
                if running > capacity:
                    left_out.append(registration)
            raise SessionError(
                CAPACITY_TOO_SMALL,
                taken=current.seats_taken,
                names=", ".join(f"{r.company.legal_name} ({r.seats})" for r in left_out),
                registrations=left_out,
            )
        grew = capacity > current.capacity
        current.capacity = capacity
        current.max_party_size = min(current.max_party_size, capacity)
        current.save(update_fields=["capacity", "max_party_size"])
        if grew:
            enqueue_offer(current.pk)
    return current


def cancel_session(
    *, session: GroupSession, by: User, reason: str, now: datetime | None = None
) -> GroupSession:
    """Cancel the session: every participant and registrant is told once, with a cancelled .ics;
    the presenter's time is free again."""
    now = now or timezone.now()
    with transaction.atomic():
        current = _locked_session(session, by)
        if not current.is_scheduled or current.starts_at <= now:
            raise SessionError(NOT_CHANGEABLE)
        current.status = GroupSession.Status.CANCELLED
        current.cancelled_at = now
        current.cancellation_reason = reason.strip()[:300]
        current.sequence += 1
        current.save(update_fields=["status", "cancelled_at", "cancellation_reason", "sequence"])
        registrations = list(
            current.registrations.filter(status__in=Registration.ACTIVE).prefetch_related("participants")
        )
        Notice.objects.filter(
            registration__session=current, kind=Notice.Kind.REMINDER, status=Notice.Status.PENDING
        ).delete()
        for registration in registrations:
            notices.tell_everyone(registration, Notice.Kind.SESSION_CANCELLED, now=now)
        signals.time_freed.send(
            sender=GroupSession, advisor_id=current.advisor_id, start=current.starts_at, end=current.ends_at
        )
        notices.enqueue_sending()
    return current


def message_registrants(*, session: GroupSession, by: User, subject: str, body: str) -> SessionMessage:
    """Email the message to every participant and registrant of the session, once each."""
    now = timezone.now()
    with transaction.atomic():
        current = _locked_session(session, by)
        message = SessionMessage.objects.create(
            session=current,
            author=by,
            subject=subject.strip()[:150],
            body=body.strip()[:4000],
            created_at=now,
        )
        for registration in current.registrations.filter(status=Registration.Status.CONFIRMED):
            notices.tell_everyone(registration, Notice.Kind.MESSAGE, now=now, message=message)
        notices.enqueue_sending()
    return message


def mark_attendance(
    *, session: GroupSession, by: User, marks: dict[int, str], now: datetime | None = None
) -> int:
    """Present or absent per participant (ids of this session's confirmed registrations)."""
    now = now or timezone.now()
    with transaction.atomic():
        current = _locked_session(session, by)
        if current.starts_at > now:
            raise SessionError(NOT_STARTED)
        if not current.is_scheduled:
            raise SessionError(NOT_CHANGEABLE)
        changed = 0
        valid = {value for value, _ in Participant.Attendance.choices} | {""}
        for participant_id, value in marks.items():
            if value not in valid:
                continue
            changed += Participant.objects.filter(
                pk=participant_id,
                removed_at__isnull=True,
                registration__session=current,
                registration__status=Registration.Status.CONFIRMED,
            ).update(attendance=value)
    return changed


# --- Registering --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    name: str
    email: str


def _clean_people(people: Sequence[Person], session: GroupSession) -> list[Person]:
    cleaned, seen = [], set()
    for person in people:
        email = person.email.strip().lower()
        if email in seen:
            continue
        seen.add(email)
        cleaned.append(Person(person.name.strip()[:150], email))
    if not cleaned or len(cleaned) > session.max_party_size:
        raise SessionError(TOO_MANY, max=session.max_party_size)
    return cleaned


def register(
    *,
    session: GroupSession,
    company: Company,
    by: User,
    people: Sequence[Person],
    waitlist: bool = False,
    now: datetime | None = None,
) -> Registration:
    """Register the company's participants. Seats are taken by one conditional UPDATE of the
    session's counter in this transaction; when they do not fit, the company joins the waitlist
    if it asked to (and the session has one), else SessionError(FULL)."""
    now = now or timezone.now()
    people = _clean_people(people, session)
    count = len(people)
    if not session.registration_open(now):
        raise SessionError(CLOSED)
    # A refusal is quick: a committed count already too high refuses before any lock (seats are
    # freed only by a committed cancellation, which this read would see).
    fresh = GroupSession.objects.values_list("capacity", "seats_taken").get(pk=session.pk)
    if fresh[0] - fresh[1] < count and not (waitlist and session.waitlist_enabled):
        raise SessionError(FULL, seats=count, left=max(0, fresh[0] - fresh[1]))
    try:
        with transaction.atomic():
            # Everything is written first and the seats taken last, so the session's row is
            # locked only from that UPDATE to the commit: racers queue for microseconds.
            registration = Registration.objects.create(
                session=session,
                company=company,
                registered_by=by,
                contact_email=by.email,
                language=getattr(by, "language", "") or settings.LANGUAGE_CODE,
                seats=count,
                status=Registration.Status.CONFIRMED,
                created_at=now,
            )
            Participant.objects.bulk_create(
                [Participant(registration=registration, name=p.name, email=p.email) for p in people]
            )
            registration.session = session
            notices.tell_everyone(registration, Notice.Kind.CONFIRMED, now=now)
            notices.plan_reminders(registration, now=now)
            notices.enqueue_sending()
            if not seats.take(session.pk, count, now=now):
                if not (waitlist and session.waitlist_enabled):
                    left = GroupSession.objects.values_list("capacity", "seats_taken").get(pk=session.pk)
                    raise SessionError(FULL, seats=count, left=max(0, left[0] - left[1]))
                # A failed conditional UPDATE locks nothing: the waitlist place costs no queue.
                Notice.objects.filter(registration=registration).delete()
                registration.status = Registration.Status.WAITLISTED
                registration.save(update_fields=["status"])
                notices.tell_everyone(registration, Notice.Kind.WAITLISTED, now=now)
    except IntegrityError:
        raise SessionError(ALREADY_REGISTERED) from None
    registration.session = session
    return registration


def _locked_registration(registration: Registration) -> Registration:
    return (
        Registration.objects.select_for_update(of=("self",)).select_related("session").get(pk=registration.pk)
    )


def change_participants(
    *, registration: Registration, people: Sequence[Person], now: datetime | None = None
) -> Registration:
    """Replace the participants. More seats are taken only if they fit (SessionError(FULL));
    fewer free the difference at once, offered to the waitlist."""
    now = now or timezone.now()
    with transaction.atomic():
        current = _locked_registration(registration)
        session = current.session
        if current.status not in Registration.ACTIVE or session.starts_at <= now or not session.is_scheduled:
            raise SessionError(NOT_CHANGEABLE)
        people = _clean_people(people, session)
        delta = len(people) - current.seats
        if current.is_seated and delta > 0 and not seats.take(session.pk, delta):
            left = GroupSession.objects.values_list("capacity", "seats_taken").get(pk=session.pk)
            raise SessionError(FULL, seats=len(people), left=max(0, left[0] - left[1]) + current.seats)
        if current.is_seated and delta < 0:
            seats.release(session.pk, -delta)
            enqueue_offer(session.pk)
        kept = {p.email: p for p in current.participants.filter(removed_at__isnull=True)}
        wanted = {p.email: p for p in people}
        for email, participant in kept.items():
            if email not in wanted:
                participant.removed_at = now
                participant.save(update_fields=["removed_at"])
                Notice.objects.filter(participant=participant, status=Notice.Status.PENDING).delete()
        added = [
            Participant.objects.create(registration=current, name=p.name, email=p.email)
            for email, p in wanted.items()
            if email not in kept
        ]
        for email, p in wanted.items():
            if email in kept and kept[email].name != p.name:
                Participant.objects.filter(pk=kept[email].pk).update(name=p.name)
        current.seats = len(people)
        current.save(update_fields=["seats", "updated_at"])
        if current.status == Registration.Status.CONFIRMED:
            for participant in added:
                notices.tell(current, Notice.Kind.CONFIRMED, participant=participant, now=now)
            notices.plan_reminders(current, now=now)
        notices.tell(current, Notice.Kind.UPDATED, now=now, version=int(now.timestamp() * 1000))
        notices.enqueue_sending()
    return current


def cancel_registration(*, registration: Registration, now: datetime | None = None) -> Registration:
    """Cancel one registration: exactly its seats are freed (offered to the waitlist after the
    commit); no other registration is touched. Each participant is told once."""
    now = now or timezone.now()
    with transaction.atomic():
        current = _locked_registration(registration)
        if current.status not in Registration.ACTIVE or current.session.starts_at <= now:
            raise SessionError(NOT_CHANGEABLE)
        was_seated = current.is_seated
        current.status = Registration.Status.CANCELLED
        current.cancelled_at = now
        current.hold_expires_at = None
        current.save(update_fields=["status", "cancelled_at", "hold_expires_at", "updated_at"])
        Notice.objects.filter(
            registration=current, status=Notice.Status.PENDING, kind=Notice.Kind.REMINDER
        ).delete()
        notices.tell_everyone(current, Notice.Kind.CANCELLED, now=now)
        if was_seated:
            seats.release(current.session_id, current.seats)
            enqueue_offer(current.session_id)
        notices.enqueue_sending()
    return current


# --- The waitlist: offer and hold ---------------------------------------------------------------


def enqueue_offer(session_id: int) -> None:
    """After commit: offer the session's free seats to the waitlist."""
    enqueue("group_sessions.offer_free_seats", session_id)


def hold_deadline(session: GroupSession, now: datetime) -> datetime:
    """The appointment waitlist's hold (settings.WAITLIST_HOLD_MINUTES of business hours), but
    never past the registration deadline."""
    return min(add_business_hours(now, settings.WAITLIST_HOLD_MINUTES / 60), session.registration_deadline)


def offer_free_seats(*, session_id: int, now: datetime | None = None) -> list[Registration]:
    """Hold free seats for the waitlisted registrations, in line order, each whose whole party
    fits; each is offered by email and has until its deadline to confirm. A seat is held for one
    registration at a time: the hold counts in seats_taken."""
    now = now or timezone.now()
    offered = []
    with transaction.atomic():
        session = GroupSession.objects.select_for_update().filter(pk=session_id).first()
        if session is None or not session.registration_open(now):
            return []
        deadline = hold_deadline(session, now)
        if deadline <= now:
            return []
        left = session.capacity - session.seats_taken
        for registration in session.registrations.filter(status=Registration.Status.WAITLISTED).order_by(
            "created_at", "pk"
        ):
            if left <= 0:
                break
            if registration.seats > left:
                continue  # a party of 3 is not offered 2 seats; a smaller party behind may be
            if not Registration.objects.filter(
                pk=registration.pk, status=Registration.Status.WAITLISTED
            ).update(status=Registration.Status.OFFERED, hold_expires_at=deadline, updated_at=now):
                continue
            if not seats.take(session.pk, registration.seats):
                raise AssertionError("seats counted under the session's lock must fit")
            left -= registration.seats
            registration.status, registration.hold_expires_at = Registration.Status.OFFERED, deadline
            notices.tell(registration, Notice.Kind.OFFER, now=now, version=int(deadline.timestamp()))
            offered.append(registration)
        if offered:
            notices.enqueue_sending()
    return offered


def confirm_offer(*, registration: Registration, now: datetime | None = None) -> Registration:
    """The company takes the held seats."""
    now = now or timezone.now()
    with transaction.atomic():
        current = _locked_registration(registration)
        if current.status != Registration.Status.OFFERED or current.hold_expires_at <= now:
            raise SessionError(OFFER_GONE)
        current.status = Registration.Status.CONFIRMED
        current.hold_expires_at = None
        current.save(update_fields=["status", "hold_expires_at", "updated_at"])
        notices.tell_everyone(current, Notice.Kind.CONFIRMED, now=now)
        notices.plan_reminders(current, now=now)
        notices.enqueue_sending()
    return current


def decline_offer(*, registration: Registration, now: datetime | None = None) -> Registration:
    """Not these seats: the registration leaves the line and the seats go to the next."""
    now = now or timezone.now()
    with transaction.atomic():
        current = _locked_registration(registration)
        if current.status != Registration.Status.OFFERED or current.hold_expires_at <= now:
            raise SessionError(OFFER_GONE)
        _close_offer(current, Registration.Status.CANCELLED, now)
    return current


def _close_offer(registration: Registration, status: str, now: datetime) -> None:
    registration.status = status
    registration.hold_expires_at = None
    if status == Registration.Status.CANCELLED:
        registration.cancelled_at = now
    registration.save(update_fields=["status", "hold_expires_at", "cancelled_at", "updated_at"])
    seats.release(registration.session_id, registration.seats)
    enqueue_offer(registration.session_id)


def expire_offers(*, now: datetime | None = None) -> int:
    """Offers not confirmed in time lapse; their seats go to the next in line (beat, every 30 s)."""
    now = now or timezone.now()
    with transaction.atomic():
        lapsed = list(
            Registration.objects.select_for_update(skip_locked=True).filter(
                status=Registration.Status.OFFERED, hold_expires_at__lte=now
            )
        )
        for registration in lapsed:
            _close_offer(registration, Registration.Status.LAPSED, now)
    return len(lapsed)
