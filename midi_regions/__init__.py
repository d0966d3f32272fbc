"""Project package: settings, URLs, the Celery app; regions and regional directorates."""

from .celery import app as celery_app

__all__ = ("celery_app",)
