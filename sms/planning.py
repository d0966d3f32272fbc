"""Appointments' changes become texts, in the transaction that made the change.

The appointments' services write one `AppointmentEvent` per change, inside their transaction; a
`post_save` of a new row plans the texts of that change for every person the emails go to
(appointments.notifications.recipients) who opted in: a change that rolls back texts nobody, a
committed one is never lost (the beat sends what is due). Booked → a confirmation and the
reminders; moved → a change and new reminders; cancelled → a cancellation. Texts planned earlier
and not sent yet that the change makes wrong (the reminders of the old time, a confirmation not
sent yet) are marked "not sent".

Reminders follow the email reminders' schedule (Topic.reminder_offsets_minutes) and the person's
choice (every reminder, the last one only, none). No text is planned in the quiet hours of the
appointment's zone (21 h–8 h): it waits for 8 h, or is not sent when the appointment is before.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models.signals import post_save
from django.utils import timezone

from appointments.models import Appointment, AppointmentEvent
from appointments.notifications import recipients
from core import local_time
from core.queue import enqueue
from sms.models import SmsContact, SmsMessage

Kind = SmsMessage.Kind
EVENT_KINDS = {
    AppointmentEvent.Action.BOOKED: Kind.CONFIRMATION,
    AppointmentEvent.Action.RESCHEDULED: Kind.CHANGE,
    AppointmentEvent.Action.CANCELLED: Kind.CANCELLATION,
}


def allowed_time(at: datetime, zone: str) -> datetime:
    """`at`, or the end of the quiet hours that contain it in `zone` (8 h that day or the next)."""
    local = local_time.in_zone(at, zone)
    quiet_from, quiet_until = settings.SMS_QUIET_FROM_HOUR, settings.SMS_QUIET_UNTIL_HOUR
    if quiet_until <= local.hour < quiet_from:
        return at
    day = local.date() if local.hour < quiet_until else local.date() + timedelta(days=1)
    # Wall-clock 8 h of that day in the zone (a DST change at 2 h never moves 8 h).
    return datetime.combine(day, time(quiet_until), tzinfo=local_time.zone(zone))


def in_quiet_hours(at: datetime, zone: str) -> bool:
    return allowed_time(at, zone) != at


def contacts_for(appointment: Appointment) -> list[SmsContact]:
    """The people the appointment's emails go to who can receive texts."""
    users = {user.pk: user for user in recipients(appointment)}
    return [contact for contact in SmsContact.objects.filter(user_id__in=users) if contact.can_receive]


def reminder_offsets(appointment: Appointment, contact: SmsContact) -> list[int]:
    offsets = sorted(
        {int(m) for m in appointment.topic.reminder_offsets_minutes or [] if isinstance(m, int) and m > 0}
    )
    if contact.reminders == SmsContact.Reminders.NONE or not offsets:
        return []
    return offsets[:1] if contact.reminders == SmsContact.Reminders.LAST else offsets


def _message(appointment, contact, *, kind, scheduled_at, once_key, minutes_before=0) -> SmsMessage:
    at = allowed_time(scheduled_at, appointment.time_zone)
    message = SmsMessage(
        appointment=appointment,
        user_id=contact.user_id,
        kind=kind,
        minutes_before=minutes_before,
        once_key=once_key,
        scheduled_at=at,
        language=contact.user.language,
    )
    if at >= appointment.starts_at:
        message.status, message.reason = SmsMessage.Status.SKIPPED, SmsMessage.Reason.QUIET_HOURS
        message.status_at = timezone.now()
    return message


def plan_reminders(
    appointment: Appointment, contact: SmsContact, *, now: datetime | None = None
) -> list[SmsMessage]:
    now = now or timezone.now()
    planned = []
    for minutes in reminder_offsets(appointment, contact):
        at = appointment.starts_at - timedelta(minutes=minutes)
        if at <= now:
            continue
        planned.append(
            _message(
                appointment,
                contact,
                kind=Kind.REMINDER,
                scheduled_at=at,
                minutes_before=minutes,
                once_key=f"reminder:{appointment.pk}:{contact.user_id}:{minutes}:{appointment.starts_at:%Y%m%dT%H%MZ}",
            )
        )
    return planned


def supersede(appointment: Appointment, *, user_ids=None) -> int:
    """Texts of the appointment not sent yet that a change made wrong: reminders are deleted (as
    the email reminders are: the same time planned again gets its reminder again), the others
    become "not sent" (the adviser sees why)."""
    pending = SmsMessage.objects.filter(appointment=appointment, status=SmsMessage.Status.PENDING)
    if user_ids is not None:
        pending = pending.filter(user_id__in=user_ids)
    pending.filter(kind=Kind.REMINDER).delete()
    return pending.update(
        status=SmsMessage.Status.SKIPPED, reason=SmsMessage.Reason.SUPERSEDED, status_at=timezone.now()
    )


def plan_for_event(event: AppointmentEvent) -> int:
    kind = EVENT_KINDS.get(event.action)
    if kind is None:
        return 0
    appointment = event.appointment
    if event.action != AppointmentEvent.Action.BOOKED:  # a new appointment has no text yet
        supersede(appointment)
    contacts = contacts_for(appointment)
    if not contacts:  # most bookings: one query more in the booking's transaction
        return 0
    appointment = Appointment.objects.select_related(
        "topic", "service_point__municipality", "municipality", "booked_by", "company"
    ).get(pk=event.appointment_id)
    now = timezone.now()
    messages = []
    for contact in contacts:
        if contact.changes:
            messages.append(
                _message(
                    appointment,
                    contact,
                    kind=kind,
                    scheduled_at=now,
                    once_key=f"event:{event.pk}:{contact.user_id}",
                )
            )
        if kind != Kind.CANCELLATION:
            messages += plan_reminders(appointment, contact, now=now)
    SmsMessage.objects.bulk_create(messages, ignore_conflicts=True)
    if any(m.status == SmsMessage.Status.PENDING and m.scheduled_at <= now for m in messages):
        enqueue("sms.send_due")
    return len(messages)


def replan_for_contact(contact: SmsContact) -> int:
    """After a person changes their number or choices: the reminders of their upcoming
    appointments follow (planned if they now want them, dropped if not)."""
    now = timezone.now()
    upcoming = (
        Appointment.objects.filter(
            status=Appointment.Status.CONFIRMED,
            starts_at__gt=now,
            company__representatives__user_id=contact.user_id,
        )
        .select_related("topic", "service_point__municipality", "municipality", "booked_by", "company")
        .distinct()
    )
    SmsMessage.objects.filter(
        user_id=contact.user_id,
        kind=Kind.REMINDER,
        status=SmsMessage.Status.PENDING,
        appointment__starts_at__gt=now,
    ).delete()
    if not contact.can_receive:
        return 0
    messages = []
    for appointment in upcoming:
        if contact.user_id in {user.pk for user in recipients(appointment)}:
            messages += plan_reminders(appointment, contact, now=now)
    SmsMessage.objects.bulk_create(messages, ignore_conflicts=True)
    return len(messages)


def on_appointment_event(sender, instance: AppointmentEvent, created: bool, raw: bool = False, **kwargs):
    if created and not raw:
        plan_for_event(instance)


def connect() -> None:
    post_save.connect(on_appointment_event, sender=AppointmentEvent, dispatch_uid="sms.appointment")
