"""Writes for the adviser's own calendar: weekly hours, date exceptions and time off.

Time off (and a closed exception) must not hide booked appointments without the adviser knowing:
`add_time_off` refuses with the list of appointments it would cover (`Hides`) unless the adviser
confirms cancelling them, in which case each is cancelled like any cancellation (the employer
gets an email with the reason and a CANCEL calendar file) in the same transaction. The
adviser's row is locked first, as bookings do, so no booking slips in between the check and the
new time off.
"""

from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from advisors.models import Advisor, AvailabilityChange, AvailabilityException, TimeOff, WeeklyAvailability
from appointments import meetings
from appointments import services as appointment_services
from appointments.models import Appointment
from waitlist import services as waitlist


class Hides(Exception):
    """The change would hide these booked appointments; the adviser must decide first."""

    def __init__(self, appointments: list[Appointment]):
        super().__init__(f"{len(appointments)} appointments")
        self.appointments = appointments


def _check_point(advisor: Advisor, service_point) -> None:
    if service_point is not None and not advisor.service_points.filter(pk=service_point.pk).exists():
        raise ValidationError({"service_point": _("You do not serve this service point.")})


def _log(advisor: Advisor, by: User | None, action: str, what) -> None:
    AvailabilityChange.objects.create(advisor=advisor, actor=by, action=action, description=str(what)[:300])
    # Any change of hours may free a time someone on the waitlist is waiting for.
    waitlist.enqueue_offer(advisor.pk)


def add_weekly_block(
    *,
    advisor: Advisor,
    weekday: int,
    start_time: time,
    end_time: time,
    service_point=None,
    by: User | None = None,
) -> WeeklyAvailability:
    """A recurring block; it may not overlap another block of the same day."""
    if end_time <= start_time:
        raise ValidationError({"end_time": _("The end must come after the start.")})
    _check_point(advisor, service_point)
    overlapping = advisor.weekly_availability.filter(
        weekday=weekday, start_time__lt=end_time, end_time__gt=start_time
    ).exists()
    if overlapping:
        raise ValidationError(_("This block overlaps another block of the same day."))
    block = WeeklyAvailability.objects.create(
        advisor=advisor,
        weekday=weekday,
        start_time=start_time,
        end_time=end_time,
        service_point=service_point,
    )
    _log(advisor, by, AvailabilityChange.Action.ADDED, _describe_block(block))
    return block


def _describe_block(block: WeeklyAvailability) -> str:
    where = block.service_point.host_office if block.service_point else _("Remote (phone and video)")
    return f"{block} – {where}"


def delete_weekly_block(*, advisor: Advisor, pk: int, by: User | None = None) -> bool:
    """Booked appointments stay booked: only new bookings stop being offered in this block."""
    block = advisor.weekly_availability.select_related("service_point").filter(pk=pk).first()
    if block is None:
        return False
    _log(advisor, by, AvailabilityChange.Action.REMOVED, _describe_block(block))
    block.delete()
    return True


def hidden_appointments(
    advisor: Advisor, starts_at: datetime, ends_at: datetime, *, now=None
) -> list[Appointment]:
    """Upcoming confirmed appointments of the adviser overlapping [starts_at, ends_at)."""
    now = now or timezone.now()
    return list(
        Appointment.objects.filter(
            advisor=advisor,
            status=Appointment.Status.CONFIRMED,
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
            starts_at__gt=now,
        )
        .select_related("company", "topic")
        .order_by("starts_at")
    )


def _cancel_hidden(hidden: list[Appointment], *, by: User, reason: str) -> None:
    message = _("Your adviser is unavailable at this time.")
    if reason:
        message = f"{message} {reason}"
    for appointment in hidden:
        appointment_services.cancel_appointment(appointment=appointment, by=by, reason=message)


def _locked(advisor: Advisor) -> Advisor:
    return Advisor.objects.select_for_update().get(pk=advisor.pk)


def add_time_off(
    *,
    advisor: Advisor,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    by: User,
    cancel_hidden: bool = False,
    now: datetime | None = None,
) -> TimeOff:
    """Time off; raises Hides if it covers booked appointments and `cancel_hidden` is not set."""
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The end must come after the start.")})
    with transaction.atomic():
        _locked(advisor)
        hidden = hidden_appointments(advisor, starts_at, ends_at, now=now)
        if hidden and not cancel_hidden:
            raise Hides(hidden)
        time_off = TimeOff.objects.create(
            advisor=advisor, starts_at=starts_at, ends_at=ends_at, reason=reason
        )
        _cancel_hidden(hidden, by=by, reason=reason)
        _log(advisor, by, AvailabilityChange.Action.ADDED, _describe_time_off(time_off, len(hidden)))
    return time_off


def _describe_time_off(time_off: TimeOff, cancelled: int = 0) -> str:
    text = _("Time off %(start)s → %(end)s") % {
        "start": timezone.localtime(time_off.starts_at).strftime("%Y-%m-%d %H:%M"),
        "end": timezone.localtime(time_off.ends_at).strftime("%Y-%m-%d %H:%M"),
    }
    if cancelled:
        text += " " + _("(%(n)s appointments cancelled)") % {"n": cancelled}
    return text


def delete_time_off(*, advisor: Advisor, pk: int, by: User | None = None) -> bool:
    time_off = advisor.time_off.filter(pk=pk).first()
    if time_off is None:
        return False
    _log(advisor, by, AvailabilityChange.Action.REMOVED, _describe_time_off(time_off))
    time_off.delete()
    return True


def add_exception(
    *,
    advisor: Advisor,
    day: date,
    kind: str,
    start_time: time,
    end_time: time,
    service_point=None,
    by: User,
    cancel_hidden: bool = False,
    now: datetime | None = None,
) -> AvailabilityException:
    """Extra hours on a date, or hours closed on a date (which, like time off, may hide
    appointments: same rule)."""
    if end_time <= start_time:
        raise ValidationError({"end_time": _("The end must come after the start.")})
    now = now or timezone.now()
    if day < timezone.localdate(now):
        raise ValidationError({"date": _("The date is in the past.")})
    _check_point(advisor, service_point)
    tz = timezone.get_current_timezone()
    starts_at = datetime.combine(day, start_time, tzinfo=tz)
    ends_at = datetime.combine(day, end_time, tzinfo=tz)
    with transaction.atomic():
        _locked(advisor)
        hidden = []
        if kind == AvailabilityException.Kind.CLOSED:
            hidden = hidden_appointments(advisor, starts_at, ends_at, now=now)
            if hidden and not cancel_hidden:
                raise Hides(hidden)
        exception = AvailabilityException.objects.create(
            advisor=advisor,
            date=day,
            kind=kind,
            start_time=start_time,
            end_time=end_time,
            service_point=service_point if kind == AvailabilityException.Kind.OPEN else None,
        )
        _cancel_hidden(hidden, by=by, reason="")
        _log(advisor, by, AvailabilityChange.Action.ADDED, exception)
    return exception


def delete_exception(*, advisor: Advisor, pk: int, by: User | None = None) -> bool:
    exception = advisor.availability_exceptions.filter(pk=pk).first()
    if exception is None:
        return False
    _log(advisor, by, AvailabilityChange.Action.REMOVED, exception)
    exception.delete()
    return True


def set_meeting_link(*, advisor: Advisor, link: str) -> int:
    """Save the adviser's permanent meeting link; returns how many upcoming video appointments
    that had none now have it (the employers find it on their page and in their reminders)."""
    with transaction.atomic():
        advisor = _locked(advisor)
        advisor.meeting_link = link
        advisor.save(update_fields=["meeting_link"])
        return meetings.fill_missing_rooms(advisor)
