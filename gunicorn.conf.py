"""gunicorn settings for production; every value can be overridden from the environment."""

import logging
import os

from gunicorn.glogging import Logger

from core.logs import mask_path
from core.proxy import visitor_address

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
# gunicorn 25.1+'s control socket (gunicornc) in var/, where the app may write: its default,
# $HOME/.gunicorn, is the image's read-only /app (the error "Control server error: Permission denied").
control_socket = os.environ.get(
    "GUNICORN_CONTROL_SOCKET", os.path.join(os.path.dirname(os.path.abspath(__file__)), "var", "gunicorn.ctl")
)


class MaskedLogger(Logger):
    """gunicorn's own lines without secrets: its error lines ("Error handling request POST
    /rendez-vous/gerer/<signed token>/") and access lines name paths, and paths carry the tokens
    of manage links and calendar feeds. Token-like segments are masked and query strings dropped
    (core.logs.mask_path); the access line's address is the visitor's, by the app's rule
    (core.proxy.visitor_address), not the proxy's."""

    def setup(self, cfg):
        super().setup(cfg)
        self.error_log.addFilter(_MaskPathArguments())
        self.access_log.addFilter(_MaskPathArguments())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        uri = mask_path(environ.get("RAW_URI", "") or environ.get("PATH_INFO", ""))
        atoms["r"] = f"{environ.get('REQUEST_METHOD')} {uri} {environ.get('SERVER_PROTOCOL')}"
        atoms["U"] = mask_path(environ.get("PATH_INFO", ""))
        atoms["q"] = "[query]" if environ.get("QUERY_STRING") else ""
        atoms["f"] = mask_path(environ.get("HTTP_REFERER", "-"))
        allowed = [v.strip() for v in str(forwarded_allow_ips).split(",")]
        atoms["h"] = visitor_address(
            environ.get("REMOTE_ADDR", "-"), environ.get("HTTP_X_FORWARDED_FOR"), allowed
        )
        # Raw copies of the same values (the Referer header, the WSGI environ): not offered.
        for key in [key for key in atoms if key.endswith("}e") or key == "{referer}i"]:
            del atoms[key]
        return atoms


class _MaskPathArguments(logging.Filter):
    def filter(self, record):
        if isinstance(record.args, tuple):
            record.args = tuple(
                mask_path(arg) if isinstance(arg, str) and arg.startswith("/") else arg for arg in record.args
            )
        return True


logger_class = MaskedLogger


def child_exit(server, worker):
    """Multiprocess metrics (PROMETHEUS_MULTIPROC_DIR): drop a dead worker's live gauges. The
    name is core.metrics.process_identifier() of that worker: host and pid."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        import socket

        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(f"{socket.gethostname().replace('_', '-')}-{worker.pid}")
