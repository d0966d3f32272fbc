"""gunicorn settings for production; every value can be overridden from the environment."""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
# The app writes one access line per request itself, with its request id (core.logs);
# GUNICORN_ACCESSLOG=- brings gunicorn's own back.
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
_debug = os.environ.get("DEBUG", "").lower() in ("1", "true", "yes", "on")
if os.environ.get("LOG_FORMAT", "console" if _debug else "json") == "json":
    # gunicorn's own lines (boot, worker timeouts) as JSON too, like the app's.
    logconfig_dict = {
        "loggers": {
            # Not propagated: once Django configures the root logger, these would be written twice.
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            "gunicorn.access": {
                "level": "INFO",
                "handlers": ["console"] if accesslog else [],
                "propagate": False,
            },
        },
        "formatters": {"generic": {"()": "core.logs.JsonFormatter"}},
    }
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def child_exit(server, worker):
    """Multiprocess metrics (PROMETHEUS_MULTIPROC_DIR): drop a dead worker's live gauges. The
    name is core.metrics.process_identifier() of that worker: host and pid."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        import socket

        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(f"{socket.gethostname().replace('_', '-')}-{worker.pid}")
