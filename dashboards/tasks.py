"""Celery tasks of the dashboards: the daily roll-ups kept up to date (dashboards.rollups)."""

from celery import shared_task

from dashboards import rollups


@shared_task(name="dashboards.refresh_rollups", ignore_result=True)
def refresh_rollups(max_days: int = 62) -> dict:
    """Beat, every minute: close yesterday if not yet done, then recompute the stale days (at most
    `max_days` per run; the dashboards read the rest live meanwhile). Idempotent."""
    if not rollups.available():
        return {"closed": 0, "refreshed": 0}
    return {"closed": rollups.advance(), "refreshed": rollups.refresh(max_days=max_days)}
