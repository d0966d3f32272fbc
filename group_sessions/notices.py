"""The emails a change of a session or a registration owes people, written as `Notice` rows in the
change's transaction (sent by group_sessions.outbox).

Each row's `key` names the news and its reader (`cancelled:<registration>:<participant>`), unique
in the table: a retried or replayed change cannot tell anyone twice. The registration's contact
(who registered: the manage link is theirs) gets every email about the registration; each
participant with another address gets those that concern attending (confirmation with the .ics,
reminders, cancellations, the presenter's messages).
"""

from datetime import datetime, timedelta

from core.queue import enqueue
from group_sessions.models import Notice, Participant, Registration, SessionMessage

# Kinds the participants get as well as the contact.
FOR_PARTICIPANTS = {
    Notice.Kind.CONFIRMED,
    Notice.Kind.CANCELLED,
    Notice.Kind.SESSION_CANCELLED,
    Notice.Kind.MESSAGE,
}


def _key(kind: str, registration: Registration, participant: Participant | None, *extra) -> str:
    who = participant.pk if participant is not None else "contact"
    return ":".join(str(part) for part in (kind, registration.pk, who, *extra))


def tell(
    registration: Registration,
    kind: str,
    *,
    now: datetime,
    participant: Participant | None = None,
    message: SessionMessage | None = None,
    version: int | None = None,
    scheduled_at: datetime | None = None,
) -> None:
    """One notice to the contact (no participant) or to one participant; nothing if already written."""
    extra = [part for part in (message.pk if message else None, version) if part is not None]
    Notice.objects.bulk_create(
        [
            Notice(
                key=_key(kind, registration, participant, *extra),
                kind=kind,
                registration=registration,
                participant=participant,
                message=message,
                to_email=participant.email if participant is not None else registration.contact_email,
                scheduled_at=scheduled_at or now,
            )
        ],
        ignore_conflicts=True,
    )


def tell_everyone(
    registration: Registration, kind: str, *, now: datetime, message: SessionMessage | None = None
) -> None:
    """The contact, and for the kinds about attending each participant with another address."""
    tell(registration, kind, now=now, message=message)
    if kind not in FOR_PARTICIPANTS:
        return
    contact = registration.contact_email.lower()
    for participant in registration.participants.filter(removed_at__isnull=True):
        if participant.email.lower() != contact:
            tell(registration, kind, now=now, participant=participant, message=message)


def plan_reminders(registration: Registration, *, now: datetime) -> int:
    """One reminder per participant (the contact too when not one) per topic offset still ahead.

    The key carries the start time, so a reminder sent stays the only one for that time."""
    session = registration.session
    offsets = sorted(
        {int(m) for m in session.topic.reminder_offsets_minutes or [] if isinstance(m, int) and m > 0},
        reverse=True,
    )
    stamp = int(session.starts_at.timestamp())
    rows = []
    participants = list(registration.participants.filter(removed_at__isnull=True))
    readers = [(p, p.email) for p in participants]
    if registration.contact_email.lower() not in {p.email.lower() for p in participants}:
        readers.append((None, registration.contact_email))
    for minutes in offsets:
        at = session.starts_at - timedelta(minutes=minutes)
        if at <= now:
            continue
        for participant, email in readers:
            rows.append(
                Notice(
                    key=_key(Notice.Kind.REMINDER, registration, participant, minutes, stamp),
                    kind=Notice.Kind.REMINDER,
                    registration=registration,
                    participant=participant,
                    to_email=email,
                    scheduled_at=at,
                )
            )
    Notice.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def enqueue_sending() -> None:
    """After commit: send what is due now (the beat sends the rest, and anything a lost message
    leaves behind)."""
    enqueue("group_sessions.send_due_notices")
