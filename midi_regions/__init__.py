"""Project package: settings, URLs, the Celery app; regions and regional directorates."""

from midi_regions.celery import app as celery_app

__all__ = ("celery_app",)
