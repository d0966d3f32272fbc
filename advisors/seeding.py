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
    current = {block_of(w): w.pk for w in advisor.weekly_availability.all()}
    stale = [pk for key, pk in current.items() if key not in plan]
    missing = weekly_blocks(advisor.pk, plan - current.keys())
    if stale:
        WeeklyAvailability.objects.filter(pk__in=stale).delete()
    if missing:
        WeeklyAvailability.objects.bulk_create(missing)
    return bool(stale or missing)


def block_of(block: WeeklyAvailability) -> tuple:
    """A weekly block as a plan entry: (weekday, start, end, service point id or None)."""
    return (block.weekday, block.start_time, block.end_time, block.service_point_id)


def week_of(advisor: Advisor) -> list[tuple]:
    """The adviser's weekly blocks as plan entries (prefetch `weekly_availability` for many)."""
    return [block_of(w) for w in advisor.weekly_availability.all()]


def weekly_blocks(advisor_id: int, plan) -> list[WeeklyAvailability]:
    """Unsaved weekly blocks for plan entries, in their order (for bulk_create): the one builder
    of seed_network's weeks and seed_load's cloned advisers."""
    return [
        WeeklyAvailability(advisor_id=advisor_id, weekday=d, start_time=s, end_time=e, service_point_id=p)
        for d, s, e, p in plan
    ]
