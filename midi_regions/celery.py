"""The Celery application: configuration comes from Django settings (CELERY_* names)."""

import os

from celery import Celery

from core import logs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "midi_regions.settings")

app = Celery("midi_regions")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The request id travels with the tasks a request queues; the worker logs like the web process.
logs.connect_celery()
