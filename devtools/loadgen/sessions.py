"""Group information sessions for the load: weekday evenings (18 h – 19 h 30, after every
adviser's hours, so they never meet a load appointment), one per adviser and evening, half at the
adviser's home point and half by video, no seat taken yet. Marked by one series whose rule is
LOAD_RULE, so the count is idempotent."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from advisors.models import Advisor, Language
from appointments.models import Topic
from core import local_time
from group_sessions.models import GroupSession, SessionMode, SessionSeries

from .common import LoadReport, bulk, random_uuid, rng_for

LOAD_RULE = "seed_load"


def load_sessions(total: int, seed: int, report: LoadReport, *, now: datetime) -> None:
    series, _ = SessionSeries.objects.get_or_create(rule=LOAD_RULE)
    existing = GroupSession.objects.filter(series=series).count()
    if existing >= total:
        if total:
            report.notes.append(f"the database already holds {existing} load sessions: none created")
        return
    rng = rng_for(seed, "sessions")
    advisers = list(
        Advisor.objects.filter(is_active=True, home_service_point__isnull=False)
        .prefetch_related("topics")
        .order_by("pk")
    )
    topics = list(Topic.objects.filter(is_active=True))
    languages = list(Language.objects.filter(code__in=["fr", "en"])) or list(Language.objects.all()[:1])
    taken = set(GroupSession.objects.filter(starts_at__gt=now).values_list("advisor_id", "starts_at"))
    zone = local_time.zone(local_time.EASTERN)
    wanted = total - existing

    def rows():
        made, day = 0, timezone.localdate(now, zone) + timedelta(days=2)
        while made < wanted:
            if day.weekday() < 5:
                for adviser in advisers:
                    if made >= wanted:
                        return
                    starts = datetime.combine(day, time(18), tzinfo=zone)
                    if (adviser.pk, starts) in taken:
                        continue
                    own = list(adviser.topics.all()) or topics
                    in_person = rng.random() < 0.5
                    capacity = rng.choice([12, 20, 30, 40])
                    yield GroupSession(
                        uid=random_uuid(rng),
                        series=series,
                        advisor=adviser,
                        topic=rng.choice(own),
                        language=languages[0] if rng.random() < 0.8 else languages[-1],
                        mode=SessionMode.SERVICE_POINT if in_person else SessionMode.VIDEO,
                        service_point_id=adviser.home_service_point_id if in_person else None,
                        room="Salle de formation" if in_person else "",
                        room_capacity=40 if in_person else None,
                        starts_at=starts,
                        ends_at=starts + timedelta(minutes=90),
                        capacity=capacity,
                        max_party_size=5,
                        registration_deadline=starts - timedelta(hours=24),
                        waitlist_enabled=True,
                        description="",
                        created_at=now,
                    )
                    made += 1
            day += timedelta(days=1)

    bulk(GroupSession, rows(), report, "group sessions")
