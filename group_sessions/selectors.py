"""Reads for group sessions: the public list with its filters, a presenter's sessions, the
registrants of a session, and the claims a session puts on its presenter's time."""

from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from group_sessions.models import GroupSession, Participant, Registration, SessionMode


def presenters_time(now: datetime, keep: str | None) -> QuerySet[GroupSession]:
    """appointments.claims: scheduled sessions keep their presenter busy (no booking keeps one)."""
    return GroupSession.objects.filter(status=GroupSession.Status.SCHEDULED)


def upcoming(
    *,
    topic: str = "",
    region: str = "",
    language: str = "",
    mode: str = "",
    now: datetime | None = None,
) -> QuerySet[GroupSession]:
    """Scheduled sessions still open for registration, soonest first, with what a list row shows
    (1 query whatever the number of rows)."""
    now = now or timezone.now()
    sessions = GroupSession.objects.filter(
        status=GroupSession.Status.SCHEDULED, starts_at__gt=now, registration_deadline__gt=now
    )
    if topic:
        sessions = sessions.filter(topic__code=topic)
    if language:
        sessions = sessions.filter(language__code=language)
    if mode:
        sessions = sessions.filter(mode=mode)
    if region:
        # A video session is open to every region: the region filter keeps those too.
        sessions = sessions.filter(Q(service_point__municipality__region__code=region) | Q(mode="video"))
    return sessions.order_by("starts_at", "pk")


def with_names(sessions: list[GroupSession]) -> list[GroupSession]:
    """Give a page of sessions its topics, languages and places from three small queries, instead
    of one query joining seven tables: PostgreSQL took longer to plan that join (~25 ms) than to
    run it (bench/session_list.py)."""
    from advisors.models import Language
    from appointments.models import Topic
    from service_points.models import ServicePoint

    topics = Topic.objects.in_bulk({s.topic_id for s in sessions})
    languages = Language.objects.in_bulk({s.language_id for s in sessions})
    points = ServicePoint.objects.select_related("municipality__region").in_bulk(
        {s.service_point_id for s in sessions if s.service_point_id}
    )
    for session in sessions:
        session.topic = topics[session.topic_id]
        session.language = languages[session.language_id]
        if session.service_point_id:
            session.service_point = points[session.service_point_id]
        session.when_text = when_text(session)
    return sessions


def when_text(session: GroupSession) -> str:
    """« mardi 15 décembre 2026, 18 h – 19 h 30 » in the session's zone, named when not Eastern:
    formatted here once rather than by a template include per row of a list."""
    from core import local_time
    from core.typography import format_date, format_time

    zone = session.time_zone
    start, end = local_time.in_zone(session.starts_at, zone), local_time.in_zone(session.ends_at, zone)
    note = local_time.zone_note(zone)
    return f"{format_date(start, 'WEEKDAY_DATE_FORMAT')}, {format_time(start)} – {format_time(end)}" + (
        f" {note}" if note else ""
    )


def managed_by(user, *, past: bool = False, now: datetime | None = None) -> QuerySet[GroupSession]:
    """Sessions the user may manage (the presenter's own, a directorate's, all), upcoming or past."""
    from accounts.access import Role, role_of

    now = now or timezone.now()
    role = role_of(user)
    sessions = GroupSession.objects.select_related(
        "topic", "language", "service_point__municipality", "advisor__user"
    )
    if role == Role.ADVISOR:
        sessions = sessions.filter(advisor=user.advisor)
    elif role == Role.MANAGER:
        sessions = sessions.filter(
            advisor__home_service_point__municipality__region__directorate=user.managed_directorate
        )
    elif role != Role.ADMINISTRATOR:
        return sessions.none()
    if past:
        return sessions.filter(starts_at__lte=now).order_by("-starts_at")
    return sessions.filter(starts_at__gt=now).order_by("starts_at")


def registrants(session: GroupSession) -> list[Registration]:
    """The session's registrations with their current participants: 2 queries."""
    return list(
        session.registrations.exclude(status=Registration.Status.CANCELLED)
        .select_related("company")
        .prefetch_related(
            Prefetch("participants", queryset=Participant.objects.filter(removed_at__isnull=True))
        )
        .order_by("status", "created_at", "pk")
    )


def company_registrations(company) -> QuerySet[Registration]:
    return (
        Registration.objects.filter(company=company, status__in=Registration.ACTIVE)
        .select_related("session__topic", "session__service_point__municipality", "session__language")
        .order_by("session__starts_at")
    )


# --- The manager's figures --------------------------------------------------------------------------

FIGURE_GROUPS = ("topic", "region", "mode")


def _region_of_session():
    """A session's region: its service point's, or for a video session its presenter's home point's."""
    from django.db.models.functions import Coalesce

    return Coalesce(
        "service_point__municipality__region__code", "advisor__home_service_point__municipality__region__code"
    )


def figures(sessions: QuerySet[GroupSession], *, by: str) -> list[dict]:
    """Per topic, region or mode: sessions held or planned, seats offered and taken, employers
    reached, participants marked present and absent, attendance rate. Cancelled sessions count
    apart (`cancelled`) and offer no seats. 2 grouped queries whatever the number of sessions."""
    from django.db.models import Count, F, Sum

    key = {"topic": F("topic__code"), "region": _region_of_session(), "mode": F("mode")}[by]
    active = Q(status=GroupSession.Status.SCHEDULED)
    rows = {
        row["key"]: row
        for row in sessions.annotate(key=key)
        .values("key")
        .annotate(
            sessions=Count("pk", filter=active),
            cancelled=Count("pk", filter=~active),
            seats_offered=Sum("capacity", filter=active, default=0),
        )
        .order_by("key")
    }
    seated = Q(
        registrations__status=Registration.Status.CONFIRMED,
        registrations__session__status=GroupSession.Status.SCHEDULED,
    )
    for row in (
        sessions.annotate(key=key)
        .values("key")
        .annotate(
            employers=Count("registrations__company", filter=seated, distinct=True),
            taken=Count(
                "registrations__participants",
                filter=seated & Q(registrations__participants__removed_at__isnull=True),
            ),
            present=Count(
                "registrations__participants",
                filter=seated & Q(registrations__participants__attendance="present"),
            ),
            absent=Count(
                "registrations__participants",
                filter=seated & Q(registrations__participants__attendance="absent"),
            ),
        )
        .order_by("key")
    ):
        rows[row["key"]].update({name: row[name] for name in ("employers", "taken", "present", "absent")})
    result = []
    for key_value, row in rows.items():
        marked = row.get("present", 0) + row.get("absent", 0)
        result.append(
            {
                "key": key_value,
                "sessions": row["sessions"],
                "cancelled": row["cancelled"],
                "seats_offered": row["seats_offered"],
                "seats_taken": row.get("taken", 0),
                "employers": row.get("employers", 0),
                "present": row.get("present", 0),
                "absent": row.get("absent", 0),
                "attendance_rate": round(100 * row.get("present", 0) / marked) if marked else None,
            }
        )
    return result


def figure_scope(user, *, start=None, end=None) -> QuerySet[GroupSession]:
    """The sessions whose figures a manager (their directorate) or an administrator (all) sees,
    starting in [start, end)."""
    from accounts.access import Role, role_of

    sessions = GroupSession.objects.all()
    role = role_of(user)
    if role == Role.MANAGER:
        sessions = sessions.filter(
            advisor__home_service_point__municipality__region__directorate=user.managed_directorate
        )
    elif role != Role.ADMINISTRATOR:
        return sessions.none()
    if start:
        sessions = sessions.filter(starts_at__gte=start)
    if end:
        sessions = sessions.filter(starts_at__lt=end)
    return sessions


def figure_names() -> dict[str, dict]:
    """Labels of the figures' keys in the active language: 2 small queries."""
    from appointments.models import Topic
    from midi_regions.models import AdministrativeRegion

    return {
        "topic": {t.code: t.name for t in Topic.objects.all()},
        "region": {r.code: f"{r.code} {r.name}" for r in AdministrativeRegion.objects.all()},
        "mode": dict(SessionMode.choices),
    }


def booking_suggestions(topic) -> list:
    """appointments.suggestions: the topic's upcoming sessions with seats left, offered on the
    booking page (1 query)."""
    from django.db.models import F
    from django.urls import reverse
    from django.utils.http import urlencode
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    from appointments.suggestions import Suggestion

    count = upcoming(topic=topic.code).filter(seats_taken__lt=F("capacity")).count()
    if not count:
        return []
    text = ngettext(
        "%(count)s group information session on this topic has seats left: several employers, one adviser.",
        "%(count)s group information sessions on this topic have seats left: several employers, one adviser.",
        count,
    ) % {"count": count}
    url = f"{reverse('group_sessions:list')}?{urlencode({'topic': topic.code})}"
    return [Suggestion(text=text, link_text=_("See the sessions"), url=url)]
