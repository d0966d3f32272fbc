"""The seat counter of a session: every change of seats is one conditional UPDATE of its row.

`take` adds seats only if they fit (`seats_taken + n <= capacity` in the WHERE clause) and the
session still takes registrations; PostgreSQL re-reads the row a concurrent transaction just
committed before it evaluates that condition (READ COMMITTED), so racers queue on the row and each
sees the seats the previous one left. The CHECK constraint `gs_seats_within_capacity` is the last
guard: no statement, ours or anyone's, can leave more seats taken than there are. Never a count
in Python followed by an insert.
"""

from datetime import datetime

from django.db.models import F

from group_sessions.models import GroupSession


def take(session_id: int, seats: int, *, now: datetime | None = None) -> bool:
    """Take `seats` seats in the caller's transaction; False when they do not fit (or the session
    is cancelled, or past its registration deadline when `now` is given)."""
    conditions = {
        "pk": session_id,
        "status": GroupSession.Status.SCHEDULED,
        "seats_taken__lte": F("capacity") - seats,
    }
    if now is not None:
        conditions["registration_deadline__gt"] = now
    return GroupSession.objects.filter(**conditions).update(seats_taken=F("seats_taken") + seats) == 1


def release(session_id: int, seats: int) -> None:
    """Give `seats` seats back in the caller's transaction."""
    GroupSession.objects.filter(pk=session_id).update(seats_taken=F("seats_taken") - seats)
