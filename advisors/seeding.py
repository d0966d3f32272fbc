"""Realistic weekly availability for seeded advisers (used by seed_network and tests)."""

from datetime import time

from advisors.models import Advisor, WeeklyAvailability

REMOTE_HOURS = [(time(9, 0), time(12, 0)), (time(13, 0), time(16, 0))]


def weekly_plan(advisor: Advisor, points: list, hours_by_point: dict) -> set[tuple]:
    """Monday–Thursday at a service point during its opening hours, rotating through the
    points the adviser serves (home point first); Friday working remotely (phone and video).
    A point closed that day falls back to the home point, then to remote work."""
    plan = set()
    home = advisor.home_service_point_id
    order = [home, *[p for p in points if p != home]]
    for weekday in range(4):
        rotation = order[weekday % len(order)] if weekday in (1, 3) else home
        for point_id in (rotation, home):
            periods = hours_by_point.get(point_id, {}).get(weekday)
            if periods:
                plan.update((weekday, opens, closes, point_id) for opens, closes in periods)
                break
        else:
            plan.update((weekday, s, e, None) for s, e in REMOTE_HOURS)
    plan.update((4, s, e, None) for s, e in REMOTE_HOURS)
    return plan


def sync_weekly_availability(advisor: Advisor, plan: set[tuple]) -> bool:
    """Make the adviser's weekly blocks equal to `plan`; True if anything changed."""
    current = {
        (w.weekday, w.start_time, w.end_time, w.service_point_id): w.pk
        for w in advisor.weekly_availability.all()
    }
    stale = [pk for key, pk in current.items() if key not in plan]
    missing = [
        WeeklyAvailability(advisor=advisor, weekday=d, start_time=s, end_time=e, service_point_id=p)
        for d, s, e, p in plan - current.keys()
    ]
    if stale:
        WeeklyAvailability.objects.filter(pk__in=stale).delete()
    if missing:
        WeeklyAvailability.objects.bulk_create(missing)
    return bool(stale or missing)
