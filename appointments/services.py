"""Writes for appointments: book, reschedule, cancel, the adviser's confirm, completed,
no-show and private notes, and the manager's reassignment to another adviser. One transaction
each; emails after commit; every change is written to the appointment's audit trail
(`AppointmentEvent`) in the same transaction."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.access import Role, role_of
from accounts.models import Company, User
from advisors.models import Advisor
from appointments import claims, meetings, metrics, reminders, selectors, signals
from appointments.models import Appointment, AppointmentEvent, AppointmentNote, Topic
from core.business_hours import local_zone
from core.dates import within_window
from core.errors import ServiceError
from core.queue import enqueue
from core.typography import format_date
from service_points.models import Municipality

SLOT_TAKEN = "slot_taken"  # booked by someone else meanwhile (409)
SLOT_UNAVAILABLE = "slot_unavailable"  # not a slot this adviser offers (409)
NOT_CHANGEABLE = "not_changeable"  # cancelled, past or started (409)
NOT_STARTED = "not_started"  # an outcome (completed, no-show) before the start time (409)
NOT_YOURS = "not_yours"  # another adviser's appointment (404 in the views)
NOT_ALLOWED = "not_allowed"  # only the directorate's manager or an administrator may do this (403)
NOT_ELIGIBLE = "not_eligible"  # the chosen adviser cannot take it: inactive, elsewhere, no expertise (409)
LIMIT_UPCOMING = "limit_upcoming"  # the company holds the topic's maximum of upcoming appointments (409)
LIMIT_MONTH = "limit_month"  # the company has the topic's maximum in that month (409)


class BookingError(ServiceError):
    """The booking cannot be made; `code` says why, `params` fill the message (a limit and its
    count)."""

    messages = {
        SLOT_TAKEN: gettext_lazy("This time was just booked by someone else. Here are the next free times."),
        SLOT_UNAVAILABLE: gettext_lazy("This time is not available. Here are the free times."),
        NOT_CHANGEABLE: gettext_lazy(
            "This appointment can no longer be changed: it is cancelled or has started."
        ),
        NOT_STARTED: gettext_lazy("An appointment can be marked completed or no-show once it has started."),
        LIMIT_UPCOMING: gettext_lazy(
            "Your company already has %(count)s upcoming appointments on this topic, the most one company "
            "may hold at once, so that every company gets a turn. Cancel one, or book again after one has "
            "taken place."
        ),
        LIMIT_MONTH: gettext_lazy(
            "Your company already has %(count)s appointments on this topic in %(month)s, the most one "
            "company may have in a month. Choose a time in another month."
        ),
    }
    statuses = {NOT_YOURS: 404, NOT_ALLOWED: 403}

    def display_params(self) -> dict:
        return {
            name: format_date(value, "YEAR_MONTH_FORMAT") if isinstance(value, date) else value
            for name, value in self.params.items()
        }


def error_message(error: "BookingError | str") -> str:
    """The message of a BookingError (with its limit and count), or of a bare error code."""
    return BookingError.message_for(error) if isinstance(error, str) else error.message


# The same refusals as a manager reassigning an appointment reads them.
REASSIGN_MESSAGES = {
    SLOT_TAKEN: gettext_lazy(
        "This adviser has another appointment at that time (their buffers included). Choose someone else."
    ),
    SLOT_UNAVAILABLE: gettext_lazy(
        "This adviser is not available at that time: outside their hours, on time off, or at their "
        "daily maximum. Choose someone else."
    ),
    NOT_CHANGEABLE: BookingError.messages[NOT_CHANGEABLE],
    NOT_ALLOWED: gettext_lazy(
        "Only the regional manager of the adviser's directorate, or an administrator, may reassign "
        "this appointment."
    ),
    NOT_ELIGIBLE: gettext_lazy(
        "This adviser cannot take the appointment: they must be active, in the directorate and "
        "know the topic."
    ),
}


@dataclass(frozen=True)
class SlotChoice:
    """What the employer picked on the slot page."""

    advisor_id: int
    service_point_id: int | None
    starts_at: datetime


def _check_window(choice: SlotChoice) -> None:
    # The pages and the API refuse such dates already (core.dates); a caller that does not
    # (a task, the shell) gets the refusal instead of an OverflowError in the date arithmetic.
    if not within_window(choice.starts_at):
        raise BookingError(SLOT_UNAVAILABLE)


def _lock_advisor(advisor_id: int) -> Advisor:
    # Serialises bookings of one adviser: the re-validation and the insert see the same calendar
    # (buffers and the daily maximum are not expressible as a database constraint).
    return Advisor.objects.select_for_update().get(pk=advisor_id, is_active=True)


def _check_slot(
    *, advisor, topic, mode, location, choice: SlotChoice, now, keep_claim: str | None = None
) -> selectors.Slot:
    slot = selectors.find_free_slot(
        advisor=advisor,
        topic=topic,
        mode=mode,
        location=location,
        service_point_id=choice.service_point_id,
        starts_at=choice.starts_at,
        now=now,
        keep_claim=keep_claim,
    )
    if slot is None:
        ends_at = choice.starts_at + timedelta(minutes=topic.duration_minutes)
        taken = _time_taken(
            advisor_id=advisor.pk, starts_at=choice.starts_at, ends_at=ends_at, now=now, keep_claim=keep_claim
        )
        raise BookingError(SLOT_TAKEN if taken else SLOT_UNAVAILABLE)
    return slot


# An appointment or a hold lasts at most 4 hours (topic_duration_range): one that overlaps a time
# starts less than this before it, which bounds the index scan on (advisor, starts_at).
LONGEST_BOOKING = timedelta(hours=12)


def _time_taken(
    *, advisor_id: int, starts_at: datetime, ends_at: datetime, now: datetime, keep_claim: str | None = None
) -> bool:
    """An active appointment of the adviser, or another app's claim other than `keep_claim`
    (appointments.claims: a waitlist offer), overlaps [starts_at, ends_at): 1 query when an
    appointment does (a refusal's usual case), else one more per claim source."""
    overlap = {
        "advisor_id": advisor_id,
        "starts_at__lt": ends_at,
        "starts_at__gt": starts_at - LONGEST_BOOKING,
        "ends_at__gt": starts_at,
    }
    return Appointment.objects.filter(status__in=Appointment.ACTIVE_STATUSES, **overlap).exists() or any(
        query.exists() for query in claims.claimed(now=now, keep=keep_claim, **overlap)
    )


CLAIM_WAIT_MS = 5000  # a booking takes tens of milliseconds; past this, queue on the adviser as before


def _claim_time(advisor_id: int, starts_at: datetime) -> None:
    """PostgreSQL: claim the adviser's start time for this transaction, or wait until the
    booking holding the claim ends (at most CLAIM_WAIT_MS); the caller then looks at the
    calendar again.

    The claim spares the other bookings of that very time the queue on the adviser's row: they
    wait side by side (a shared lock) for the holder's outcome, then one cheap query tells them
    whether it booked. None is refused for the claim itself: if the holder failed (its
    company's limit, say), they go on to the adviser's row lock and the full check, as before.
    What keeps one booking per time is unchanged: that lock, that check and the exclusion
    constraint."""
    key = (advisor_id << 32) | (int(starts_at.timestamp()) // 60 & 0xFFFFFFFF)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [key])
        if cursor.fetchone()[0]:
            return
        try:
            with transaction.atomic():
                # lock_timeout for this wait only: a local setting lasts until the transaction
                # ends (or this savepoint rolls back), so the previous value is put back.
                cursor.execute("SELECT current_setting('lock_timeout')")
                previous = cursor.fetchone()[0]
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{CLAIM_WAIT_MS}ms"])
                cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [key])
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
        except OperationalError as exc:
            if getattr(exc.__cause__, "sqlstate", None) != "55P03":  # lock_not_available
                raise


def _check_limits(company: Company, topic: Topic, starts_at: datetime, now: datetime) -> None:
    """The topic's per-company limits (Topic.max_upcoming_per_company, max_per_month_per_company).
    Called with the company row locked, so two bookings cannot both take the last place."""
    tz = timezone.get_current_timezone()
    local = starts_at.astimezone(tz)
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    month_end = (month_start + timedelta(days=32)).replace(day=1)
    counts = Appointment.objects.filter(
        company=company, topic=topic, status__in=Appointment.ACTIVE_STATUSES
    ).aggregate(
        upcoming=Count("pk", filter=Q(status=Appointment.Status.CONFIRMED, starts_at__gt=now)),
        month=Count("pk", filter=Q(starts_at__gte=month_start, starts_at__lt=month_end)),
    )
    if counts["upcoming"] >= topic.max_upcoming_per_company:
        raise BookingError(LIMIT_UPCOMING, count=topic.max_upcoming_per_company)
    if topic.max_per_month_per_company and counts["month"] >= topic.max_per_month_per_company:
        raise BookingError(LIMIT_MONTH, count=topic.max_per_month_per_company, month=month_start.date())


@metrics.counted_booking(refusal=BookingError)
def book_appointment(
    *,
    company: Company,
    booked_by: User | None,
    topic: Topic,
    mode: str,
    location: Municipality,
    choice: SlotChoice,
    message: str = "",
    contact_phone: str = "",
    idempotency_key: uuid.UUID | None = None,
    actor: User | None = None,
    keep_claim: str | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Book the chosen slot for the company, or raise BookingError. Sends the confirmation.

    Every path books through here (the booking page, the API, an adviser booking a request, a
    waitlist offer), so the topic's per-company limits hold on each. `actor` is who booked when
    it is not the employer (an adviser booking for them); `keep_claim` is the claim on this time
    that belongs to this booking (appointments.claims: the waitlist offer it confirms), which
    does not count against it. `contact_phone` is the number to call (E.164, core.phones): the
    pages and the API require it for a phone booking; a request or a waitlist entry made before
    it was asked has none: the adviser's pages then show the phone of the employer's profile."""
    now = now or timezone.now()
    _check_window(choice)
    if idempotency_key:
        existing = Appointment.objects.filter(idempotency_key=idempotency_key, company=company).first()
        if existing:
            return existing
    # Losers learn it at once (settings.BOOKING_FAST_REFUSAL): a time someone holds is refused
    # with one query, before any lock; racers for one time wait for each other's outcome side by
    # side, not in line on the adviser's row. Refusing only what a committed booking or hold
    # covers, this never refuses what the full check below would accept.
    fast = settings.BOOKING_FAST_REFUSAL
    ends_at = choice.starts_at + timedelta(minutes=topic.duration_minutes)
    taken = {
        "advisor_id": choice.advisor_id,
        "starts_at": choice.starts_at,
        "ends_at": ends_at,
        "now": now,
        "keep_claim": keep_claim,
    }
    try:
        if fast and _time_taken(**taken):
            raise BookingError(SLOT_TAKEN)
        with transaction.atomic():
            # Lock order everywhere: the claim on the time (PostgreSQL), company, then adviser.
            claim_the_time = fast and connection.vendor == "postgresql"
            if claim_the_time:
                _claim_time(choice.advisor_id, choice.starts_at)
                if _time_taken(**taken):
                    raise BookingError(SLOT_TAKEN)  # booked by the claim's previous holder
            Company.objects.select_for_update().filter(pk=company.pk).first()
            try:
                advisor = _lock_advisor(choice.advisor_id)
            except Advisor.DoesNotExist:
                raise BookingError(SLOT_UNAVAILABLE) from None
            if fast and not claim_the_time and _time_taken(**taken):
                # SQLite (no claim): booked while this one waited for the write lock; refused
                # without the slot computation.
                raise BookingError(SLOT_TAKEN)
            _check_limits(company, topic, choice.starts_at, now)
            slot = _check_slot(
                advisor=advisor,
                topic=topic,
                mode=mode,
                location=location,
                choice=choice,
                now=now,
                keep_claim=keep_claim,
            )
            appointment = Appointment.objects.create(
                advisor=advisor,
                topic=topic,
                mode=mode,
                service_point_id=slot.service_point_id,
                company=company,
                booked_by=booked_by,
                municipality=location,
                starts_at=slot.start,
                ends_at=slot.end,
                message=message,
                contact_phone=contact_phone,
                meeting_url=meetings.room_for(advisor, mode),
                idempotency_key=idempotency_key,
            )
            reminders.plan_reminders(appointment, now=now)
            _record(appointment, AppointmentEvent.Action.BOOKED, actor or booked_by, now=now)
            enqueue_notification(appointment, "confirmed")
    except IntegrityError as exc:
        # The exclusion constraint (or the idempotency key) caught a concurrent booking.
        if idempotency_key:
            existing = Appointment.objects.filter(idempotency_key=idempotency_key, company=company).first()
            if existing:
                return existing
        raise BookingError(SLOT_TAKEN) from exc
    return appointment


def reschedule_appointment(
    *, appointment: Appointment, choice: SlotChoice, by: User | None, now: datetime | None = None
) -> Appointment:
    """Move an upcoming appointment to another free slot of the same adviser."""
    now = now or timezone.now()
    _check_window(choice)
    try:
        with transaction.atomic():
            advisor = _lock_advisor(appointment.advisor_id)
            current = (
                Appointment.objects.select_for_update()
                .select_related("topic", "municipality")
                .get(pk=appointment.pk)
            )
            if current.status != Appointment.Status.CONFIRMED or current.starts_at <= now:
                raise BookingError(NOT_CHANGEABLE)
            if choice.advisor_id != advisor.pk:
                raise BookingError(SLOT_UNAVAILABLE)
            previous = current.starts_at
            # Free the current time while checking, so moving by one slot works.
            current.status = Appointment.Status.CANCELLED
            current.save(update_fields=["status"])
            slot = _check_slot(
                advisor=advisor,
                topic=current.topic,
                mode=current.mode,
                location=current.municipality,
                choice=choice,
                now=now,
            )
            current.status = Appointment.Status.CONFIRMED
            current.starts_at, current.ends_at = slot.start, slot.end
            current.service_point_id = slot.service_point_id
            # The adviser acknowledged the old time: a new one asks them again, unless they moved it.
            moved_by_advisor = by is not None and by.pk == advisor.user_id
            current.advisor_confirmed_at = now if moved_by_advisor else None
            current.sequence += 1
            current.save(
                update_fields=[
                    "status",
                    "starts_at",
                    "ends_at",
                    "service_point",
                    "advisor_confirmed_at",
                    "sequence",
                    "updated_at",
                ]
            )
            reminders.plan_reminders(current, now=now)
            _record(current, AppointmentEvent.Action.RESCHEDULED, by, previous=previous, now=now)
            enqueue_notification(current, "rescheduled")
            _free_time(current.advisor_id, previous, previous + (current.ends_at - current.starts_at))
    except IntegrityError as exc:
        raise BookingError(SLOT_TAKEN) from exc
    return current


def cancel_appointment(
    *, appointment: Appointment, by: User | None, reason: str = "", now: datetime | None = None
) -> Appointment:
    """Cancel an upcoming appointment; the slot becomes free at once."""
    now = now or timezone.now()
    with transaction.atomic():
        current = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if current.status != Appointment.Status.CONFIRMED or current.starts_at <= now:
            raise BookingError(NOT_CHANGEABLE)
        current.status = Appointment.Status.CANCELLED
        current.cancelled_at = now
        current.cancellation_reason = reason[:300]
        current.meeting_url = ""  # the room is no longer given to anyone
        current.sequence += 1
        current.save(
            update_fields=[
                "status",
                "cancelled_at",
                "cancellation_reason",
                "meeting_url",
                "sequence",
                "updated_at",
            ]
        )
        reminders.cancel_reminders(current)
        _record(current, AppointmentEvent.Action.CANCELLED, by, reason=current.cancellation_reason, now=now)
        enqueue_notification(current, "cancelled")
        _free_time(current.advisor_id, current.starts_at, current.ends_at)
    return current


# The manager's actions ---------------------------------------------------------------------------


def may_reassign(directorate, user: User) -> bool:
    """The directorate's regional manager, or an administrator."""
    role = role_of(user)
    if role == Role.ADMINISTRATOR:
        return True
    return role == Role.MANAGER and directorate is not None and directorate.manager_id == user.pk


def reassign_appointment(
    *, appointment: Appointment, to_advisor: Advisor, by: User, reason: str = "", now: datetime | None = None
) -> Appointment:
    """Give an upcoming appointment to another adviser of the directorate, free at that time.

    Same time and mode; the meeting point stays if the new adviser serves it, else it becomes
    their home point. The employer gets an updated .ics (the SUMMARY and ORGANIZER name the
    adviser), both advisers a short email. Raises BookingError (NOT_ALLOWED, NOT_CHANGEABLE,
    NOT_ELIGIBLE, SLOT_TAKEN, SLOT_UNAVAILABLE) and changes nothing then."""
    now = now or timezone.now()
    reason = reason.strip()
    try:
        with transaction.atomic():
            holder_id = Appointment.objects.values_list("advisor_id", flat=True).get(pk=appointment.pk)
            locked = _lock_advisors(holder_id, to_advisor.pk)
            current = (
                Appointment.objects.select_for_update(of=("self",))
                .select_related(
                    "topic", "advisor__user", "advisor__home_service_point__municipality__region__directorate"
                )
                .get(pk=appointment.pk)
            )
            if current.advisor_id != holder_id:
                raise BookingError(NOT_CHANGEABLE)  # reassigned by someone else meanwhile
            directorate = current.advisor.directorate
            if not may_reassign(directorate, by):
                raise BookingError(NOT_ALLOWED)
            if current.status != Appointment.Status.CONFIRMED or current.starts_at <= now:
                raise BookingError(NOT_CHANGEABLE)
            new = locked.get(to_advisor.pk)
            eligible = selectors.reassignment_candidates(
                directorate_ids=[directorate.pk], topic=current.topic, exclude_advisor_id=current.advisor_id
            )
            if new is None or not eligible.filter(pk=new.pk).exists():
                raise BookingError(NOT_ELIGIBLE)
            _check_free_for(new, current)
            previous = current.advisor
            if current.service_point_id is not None and not (
                current.service_point_id == new.home_service_point_id
                or new.service_points.filter(pk=current.service_point_id).exists()
            ):
                current.service_point_id = new.home_service_point_id
            current.meeting_url = meetings.room_after_reassignment(current, new)
            current.advisor = new
            # The new adviser has not acknowledged it yet.
            current.advisor_confirmed_at = None
            current.sequence += 1
            current.save(
                update_fields=[
                    "advisor",
                    "service_point",
                    "meeting_url",
                    "advisor_confirmed_at",
                    "sequence",
                    "updated_at",
                ]
            )
            # Reminders need no new plan: their times depend on the start only, and their text
            # (adviser, place) is rendered when they are sent (appointments.reminders).
            trail = f"{previous} → {new}" + (f" – {reason}" if reason else "")
            _record(current, AppointmentEvent.Action.REASSIGNED, by, reason=trail, now=now)
            _free_time(previous.pk, current.starts_at, current.ends_at)
            enqueue_notification(current, "reassigned")
            enqueue("appointments.send_reassigned_advisor_email", current.pk, new.pk, True, reason[:300])
            enqueue(
                "appointments.send_reassigned_advisor_email", current.pk, previous.pk, False, reason[:300]
            )
    except IntegrityError as exc:
        # The exclusion constraint caught an appointment of the new adviser at that time.
        raise BookingError(SLOT_TAKEN) from exc
    return current


def _lock_advisors(*advisor_ids: int) -> dict[int, Advisor]:
    # In id order, so two reassignments between the same advisers in opposite directions
    # cannot deadlock; only active advisers come back.
    ids = sorted(set(advisor_ids))
    return {
        advisor.pk: advisor
        for advisor in Advisor.objects.select_for_update()
        .select_related("user")
        .filter(pk__in=ids, is_active=True)
        .order_by("pk")
    }


def _check_free_for(advisor: Advisor, appointment: Appointment) -> None:
    """Raise unless the adviser works at the appointment's time and has nothing else then.

    The slot engine's own rules (selectors.load_calendars, slots.AdvisorCalendar), without the
    booking window or the place: an appointment of theirs within their buffers → SLOT_TAKEN;
    time off, closed hours, no block covering the time, or the daily maximum → SLOT_UNAVAILABLE.
    """
    tz = local_zone()
    start, end = appointment.starts_at, appointment.ends_at
    day = start.astimezone(tz).date()
    calendar = selectors.load_calendars([advisor], start=day, end=day + timedelta(days=1))[advisor.pk]
    if any(s < end and start < e for s, e in calendar.time_off):
        raise BookingError(SLOT_UNAVAILABLE)
    if calendar.is_busy(start, end):
        raise BookingError(SLOT_TAKEN)
    if calendar.appointments_on(day) >= calendar.max_per_day:
        raise BookingError(SLOT_UNAVAILABLE)
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    if local_end.date() != day:
        raise BookingError(SLOT_UNAVAILABLE)
    # Blocks (closed hours cut out) merged end to end: 8:30–12:00 + 12:00–16:30 covers 11:30–12:30.
    covered = []
    for block in sorted(calendar.blocks_on(day), key=lambda b: b.start):
        if covered and block.start <= covered[-1][1]:
            covered[-1] = (covered[-1][0], max(covered[-1][1], block.end))
        else:
            covered.append((block.start, block.end))
    if not any(s <= local_start.time() and local_end.time() <= e for s, e in covered):
        raise BookingError(SLOT_UNAVAILABLE)


# The adviser's actions ----------------------------------------------------------------------------


def is_advisor_of(appointment: Appointment, user: User) -> bool:
    advisor = getattr(user, "advisor", None)
    return advisor is not None and appointment.advisor_id == advisor.pk


def _locked_for(appointment: Appointment, by: User) -> Appointment:
    current = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if not is_advisor_of(current, by):
        raise BookingError(NOT_YOURS)
    return current


def confirm_appointment(*, appointment: Appointment, by: User, now: datetime | None = None) -> Appointment:
    """The adviser confirms they will hold the appointment; the employer is told (same .ics)."""
    now = now or timezone.now()
    with transaction.atomic():
        current = _locked_for(appointment, by)
        if current.status != Appointment.Status.CONFIRMED or current.starts_at <= now:
            raise BookingError(NOT_CHANGEABLE)
        if current.advisor_confirmed_at is None:
            current.advisor_confirmed_at = now
            current.sequence += 1
            current.save(update_fields=["advisor_confirmed_at", "sequence", "updated_at"])
            _record(current, AppointmentEvent.Action.CONFIRMED, by, now=now)
            enqueue_notification(current, "advisor_confirmed")
    return current


OUTCOMES = {
    Appointment.Status.COMPLETED: AppointmentEvent.Action.COMPLETED,
    Appointment.Status.NO_SHOW: AppointmentEvent.Action.NO_SHOW,
}


def record_outcome(
    *, appointment: Appointment, by: User, status: str, now: datetime | None = None
) -> Appointment:
    """Completed or no-show, once the appointment has started; the adviser may correct one for
    the other. The employer gets a note for a no-show (they may not know it was missed)."""
    now = now or timezone.now()
    if status not in OUTCOMES:
        raise BookingError(NOT_CHANGEABLE)
    with transaction.atomic():
        current = _locked_for(appointment, by)
        if current.status == Appointment.Status.CANCELLED:
            raise BookingError(NOT_CHANGEABLE)
        if current.starts_at > now:
            raise BookingError(NOT_STARTED)
        if current.status != status:
            current.status = status
            current.sequence += 1
            current.save(update_fields=["status", "sequence", "updated_at"])
            reminders.cancel_reminders(current)
            _record(current, OUTCOMES[status], by, now=now)
            enqueue_notification(current, status)
            if status == Appointment.Status.COMPLETED:
                signals.appointment_held.send(sender=Appointment, appointment=current)
    return current


def add_note(*, appointment: Appointment, by: User, text: str) -> AppointmentNote:
    """A private note of the appointment's adviser (never shown to the employer)."""
    if not is_advisor_of(appointment, by):
        raise BookingError(NOT_YOURS)
    return AppointmentNote.objects.create(appointment=appointment, author=by, text=text.strip()[:4000])


def _record(
    appointment: Appointment,
    action: str,
    by: User | None,
    *,
    previous: datetime | None = None,
    reason: str = "",
    now: datetime,
) -> AppointmentEvent:
    return AppointmentEvent.objects.create(
        appointment=appointment,
        action=action,
        actor=by if by is not None and by.pk else None,
        at=now,
        starts_at=appointment.starts_at,
        previous_starts_at=previous,
        reason=reason[:300],
    )


def _free_time(advisor_id: int, start: datetime, end: datetime) -> None:
    """A time of this adviser was freed: tell the apps that offer it again (the waitlist, which
    queues its work for after the commit)."""
    signals.time_freed.send(sender=Appointment, advisor_id=advisor_id, start=start, end=end)


def enqueue_notification(appointment: Appointment, event: str) -> None:
    """Email the employer about the change once the transaction commits."""
    enqueue("appointments.send_appointment_email", appointment.pk, event, appointment.sequence)
