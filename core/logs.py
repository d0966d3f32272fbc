"""Logs: a request id on every line, JSON in production, no email address in any line.

- `RequestIdMiddleware` gives each request an id (the caller's `X-Request-ID` if it is a sane
  token, else a new one), returns it in the `X-Request-ID` header, keeps it in a context variable
  for the request's duration, writes one access line per request (method, view name, status,
  duration, user id: never a path, an email or a name) and records the request's metrics
  (`core.metrics`): one clock read on each side serves both.
- `RequestIdFilter` puts that id on every record; `RedactEmails` masks email addresses in the
  message, its arguments and the traceback; `PathsAsViewNames` puts the view name in place of
  the path in Django's own request lines. They sit on the handler (settings.LOGGING), so they
  see the records of every logger, Django's and Celery's included.
- Celery: `before_task_publish` adds the id to the message headers; in the worker,
  `task_prerun` / `task_postrun` set and reset it around the task, so the task's lines carry the
  id of the request that queued it (a task queued by beat gets its own task id). The worker's
  logging is this same configuration (`setup_logging`), not Celery's own.
- `JsonFormatter`: one JSON object a line (`LOG_FORMAT=json`, the default without DEBUG);
  `ConsoleFormatter`: readable lines for a developer.

This module imports nothing of Django's models: the Celery app imports it before Django is set up.
"""

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from django.utils.functional import LazyObject, empty

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
HEADER = "request_id"  # the Celery message header carrying the id
# Probes and scrapes come every few seconds: their access lines are DEBUG, not INFO.
QUIET_VIEWS = frozenset({"healthz", "livez", "readyz", "metrics"})

access_logger = logging.getLogger("midi_regions.access")


def current_request_id() -> str | None:
    return _request_id.get()


def bind_request_id(value: str | None):
    """Set the id for the current context; returns the token to pass to `unbind_request_id`."""
    return _request_id.set(value)


def unbind_request_id(token) -> None:
    _request_id.reset(token)


# --- Filters and formatters ---------------------------------------------------------------------


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (or None outside a request or task) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            # Django logs "Not Found" / "Service Unavailable" after the middleware has returned
            # (the context variable is reset by then), with the request attached to the record.
            record.request_id = _request_id.get() or getattr(
                getattr(record, "request", None), "request_id", None
            )
        return True


# A path segment that may be a secret: long, and not a plain word of our URLs ("rendez-vous",
# "disponibilites"). Signed manage links ("…:1vX…:…"), calendar feed tokens, allauth's keys and
# UUIDs all are; what is masked wrongly is only an id.
TOKEN_SEGMENT = re.compile(r"(?<=/)(?=[^/?#]*[^a-z/?#-])[^/?#]{16,}")
TOKEN_MASK = "[token]"


def mask_path(path: str) -> str:
    """A path (or URI) fit for a log line: token-like segments masked, the query string dropped
    (it may hold names and emails)."""
    path, query_mark, _query = path.partition("?")
    masked = TOKEN_SEGMENT.sub(TOKEN_MASK, path)
    return masked + ("?[query]" if query_mark else "")


class PathsAsViewNames(logging.Filter):
    """Django's own lines ("Not Found: /path", "Forbidden (CSRF …): /path") name the view, not the
    path: paths carry signed tokens (an appointment's manage link, an adviser's calendar feed)
    that let anyone holding them act, and logs are read by more people than those links. Any
    other path in a line's arguments has its token-like segments masked (`mask_path`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if path and isinstance(record.args, tuple) and path in record.args:
            name = view_name(request)
            record.args = tuple(name if arg == path else arg for arg in record.args)
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(
                mask_path(arg) if isinstance(arg, str) and arg.startswith("/") else arg for arg in record.args
            )
        if isinstance(record.msg, str) and "/" in record.msg and not record.args:
            record.msg = re.sub(r"(?<![\w:])/[^\s\"']+", lambda m: mask_path(m.group(0)), record.msg)
        return True


EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
EMAIL_MASK = "[email]"


def redact(text: str) -> str:
    """The text with every email address replaced by [email]."""
    return EMAIL.sub(EMAIL_MASK, text) if "@" in text else text


class RedactEmails(logging.Filter):
    """A safety net: no email address reaches a log line, whoever wrote the call.

    Emails are personal data; code should log ids, and this catches what slips through (an
    SMTP refusal quoting the recipient, a database error quoting a unique value)."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments not matching the format: left to the handler's error report
            return True
        if "@" in message:
            record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            # Formatted here once (the formatters reuse exc_text) so the traceback is redacted too.
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text and "@" in record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


# Telephone numbers as code writes them (E.164, also URL-encoded) and as people type North
# American ones ("819 555-0101", "(819) 555-0101", "1-819-555-0101").
PHONE = re.compile(
    r"(?<![\w+%])(?:\+|%2[Bb])\d{10,15}\b"
    r"|(?<![\w+])(?:\+?1[ .-]?)?\(?[2-9]\d{2}\)?[ .-]\d{3}[ .-]\d{4}\b"
)
PHONE_MASK = "[phone]"


def redact_phone_numbers(text: str) -> str:
    return PHONE.sub(PHONE_MASK, text)


class RedactPhoneNumbers(logging.Filter):
    """A safety net like RedactEmails: no telephone number reaches a log line (employers' mobile
    numbers are personal data; code logs message ids), whoever wrote the call, a library's
    client included."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        masked = redact_phone_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_phone_numbers(record.exc_text)
        return True


# LogRecord's own attributes; anything else on a record came from `extra=`.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
}
_SCALARS = (str, int, float, bool, type(None))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, request_id, the record's scalar
    extras, and the traceback as `exception`.

    Only scalar extras are written: Celery attaches the task's arguments as a dict (`data`) and
    Django the request object; neither belongs in a log line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in entry and isinstance(value, _SCALARS):
                entry[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return redact(json.dumps(entry, ensure_ascii=False, default=str))


class ConsoleFormatter(logging.Formatter):
    """Readable lines for a developer: time, level, logger, [request id], message."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"
        return redact(super().format(record))


# --- The request's id, access line and metrics ---------------------------------------------------


def view_name(request) -> str:
    """The resolver's view name ("appointments:book"): never the path, which carries ids and
    signed tokens. "static" for WhiteNoise's files, "unmatched" when no URL matched."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name
    from django.conf import settings

    if settings.STATIC_URL and request.path_info.startswith(settings.STATIC_URL):
        return "static"
    return "unmatched"


def user_id(request) -> int | None:
    """The signed-in user's id if the request already loaded the user (never loads it here)."""
    user = getattr(request, "user", None)
    if isinstance(user, LazyObject):
        if user._wrapped is empty:  # not loaded by the view: loading it here would cost a query
            return None
        user = user._wrapped
    return user.pk if getattr(user, "is_authenticated", False) else None


class RequestIdMiddleware:
    """Outermost middleware: the request id, the access line and the request metrics."""

    def __init__(self, get_response):
        # Imported here: the Celery app imports this module at start-up, before the metrics' value
        # class (multiprocess files) may be chosen from the settings.
        from core import metrics

        self.get_response = get_response
        self.observe = metrics.observe_request

    def __call__(self, request):
        started = time.perf_counter()
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            seconds = time.perf_counter() - started
            view = view_name(request)
            self.observe(view, request.method, response.status_code, seconds)
            access_logger.log(
                logging.DEBUG if view in QUIET_VIEWS else logging.INFO,
                "%s %s %s %.1f ms",
                request.method,
                view,
                response.status_code,
                seconds * 1000,
                extra={
                    "method": request.method,
                    "view": view,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 1),
                    "user_id": user_id(request),
                },
            )
            return response
        finally:
            _request_id.reset(token)


# --- Celery ----------------------------------------------------------------------------------------

_task_tokens: dict[str, object] = {}


def _publish_with_request_id(headers=None, **kwargs):
    request_id = _request_id.get()
    if request_id and headers is not None:
        headers.setdefault(HEADER, request_id)


def _task_started(task_id=None, task=None, **kwargs):
    if _request_id.get() is not None:
        return  # an eager task inside a request: it already carries the request's id
    request = getattr(task, "request", None)
    request_id = getattr(request, HEADER, None) or (getattr(request, "headers", None) or {}).get(HEADER)
    _task_tokens[task_id] = _request_id.set(request_id or task_id)


def _task_finished(task_id=None, **kwargs):
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        _request_id.reset(token)


def _configure_worker_logging(loglevel=None, **kwargs):
    """The worker logs like the web process (settings.LOGGING); `--loglevel` still applies."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)


def connect_celery() -> None:
    """Hook the request id into Celery's publish and run, and the worker's logging into ours."""
    from celery import signals

    signals.before_task_publish.connect(_publish_with_request_id, weak=False, dispatch_uid="midi-rid-pub")
    signals.task_prerun.connect(_task_started, weak=False, dispatch_uid="midi-rid-pre")
    signals.task_postrun.connect(_task_finished, weak=False, dispatch_uid="midi-rid-post")
    signals.setup_logging.connect(_configure_worker_logging, weak=False, dispatch_uid="midi-logging")
