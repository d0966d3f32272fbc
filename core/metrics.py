"""Prometheus metrics: what happened (counters, histograms) and what is waiting (gauges read at
scrape time from the database and the broker). Served at /metrics (`views.metrics`) to allowed
networks or a bearer token only.

Counters and histograms live in the process that did the work: gunicorn's workers (requests,
slot searches, bookings) and Celery's (routing, reminders). With `PROMETHEUS_MULTIPROC_DIR` set,
every process writes its values to files in that folder and /metrics adds them up
(prometheus_client's multiprocess mode): the web and worker containers share the folder. Each
process's files are named after host and pid, so containers sharing the folder (each with its
own pid 1, 7, …) never write to the same file. Without the variable (`make run`, tests), the
values are the serving process's own.

The gauges are not kept by any process: `StateCollector` counts them when Prometheus scrapes
(two queries and one Redis round trip), so they are right whichever process sent or failed.
"""

import hmac
import ipaddress
import os
import socket
from functools import cache

from celery import current_app as app
from prometheus_client import values
from prometheus_client.core import GaugeMetricFamily

MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
_HOST = socket.gethostname().replace("_", "-")


def process_identifier() -> str:
    """Host and pid: distinct across the containers that share the multiprocess folder."""
    return f"{_HOST}-{os.getpid()}"


if MULTIPROC_DIR:
    os.makedirs(MULTIPROC_DIR, exist_ok=True)
    # Chosen before any metric is created (prometheus_client reads values.ValueClass then).
    values.ValueClass = values.MultiProcessValue(process_identifier)

from prometheus_client import (  # noqa: E402 - after the value class is chosen
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUEST_SECONDS = Histogram(
    "midi_http_request_duration_seconds",
    "Time to answer a request, by view name, method and status class (its _count is the request count).",
    ["view", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


# --- Recording ---------------------------------------------------------------------------------


def observe_request(view: str, method: str, status: int, seconds: float) -> None:
    """One request answered (called by core.logs.RequestIdMiddleware)."""
    HTTP_REQUEST_SECONDS.labels(view, method if method in METHODS else "other", f"{status // 100}xx").observe(
        seconds
    )


# --- What is waiting, counted at scrape time ----------------------------------------------------


def _queue_names() -> list[str]:
    queues = app.conf.task_queues
    return [queue.name for queue in queues] if queues else [app.conf.task_default_queue]


@cache
def _redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


REDIS_PRIORITY_SEP = "\x06\x16"  # kombu's Redis transport: priority n of queue q is the list q\x06\x16n
REDIS_PRIORITIES = (3, 6, 9)  # kombu's default steps besides 0 (the list named like the queue)


def queue_depths() -> dict[str, int]:
    """Messages waiting in each Celery queue: Redis LLEN (all priority lists), or the files of
    the embedded filesystem broker."""
    from django.conf import settings

    names = _queue_names()
    if settings.REDIS_URL:
        client = _redis_client(settings.CELERY_BROKER_URL)
        with client.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.llen(name)
                for priority in REDIS_PRIORITIES:
                    pipe.llen(f"{name}{REDIS_PRIORITY_SEP}{priority}")
            lengths = pipe.execute()
        per_queue = 1 + len(REDIS_PRIORITIES)
        return {name: sum(lengths[i * per_queue : (i + 1) * per_queue]) for i, name in enumerate(names)}
    folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
    depths = dict.fromkeys(names, 0)
    with os.scandir(folder) as entries:
        for entry in entries:
            queue = entry.name.partition(".")[2].removesuffix(".msg")  # "<ms>_<uuid>.<queue>.msg"
            if queue in depths:
                depths[queue] += 1
    return depths


_STATE_SOURCES: list = []


def register_state_source(source) -> None:
    """`source()` → [(gauge name, help, value), ...], read from the database at each scrape (the
    apps register theirs in ready(): reminders due, requests overdue…)."""
    if source not in _STATE_SOURCES:
        _STATE_SOURCES.append(source)


class StateCollector:
    """Gauges computed at each scrape; a source that fails reports up 0 instead of failing the scrape."""

    def collect(self):
        up = GaugeMetricFamily(
            "midi_metrics_source_up",
            "1 if the source of the state gauges answered this scrape.",
            labels=["source"],
        )
        try:
            gauges = [gauge for source in _STATE_SOURCES for gauge in source()]
        except Exception:  # the database is down: the other metrics still go out
            up.add_metric(["database"], 0)
        else:
            up.add_metric(["database"], 1)
            for name, documentation, value in gauges:
                yield GaugeMetricFamily(name, documentation, value=value)
        try:
            depths = queue_depths()
        except Exception:
            up.add_metric(["broker"], 0)
        else:
            up.add_metric(["broker"], 1)
            depth = GaugeMetricFamily(
                "midi_celery_queue_depth", "Messages waiting in a Celery queue.", labels=["queue"]
            )
            for name, count in depths.items():
                depth.add_metric([name], count)
            yield depth
        yield up


def exposition() -> tuple[bytes, str]:
    """The text exposition of every metric, and its content type."""
    registry = CollectorRegistry(auto_describe=False)
    if MULTIPROC_DIR:
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ProcessMetrics())
    registry.register(StateCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _ProcessMetrics:
    """This process's own metrics (the default registry), when not in multiprocess mode."""

    def collect(self):
        return REGISTRY.collect()


# --- Who may scrape ------------------------------------------------------------------------------


@cache
def _networks(cidrs: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def _from_allowed_network(address: str, cidrs) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in network for network in _networks(tuple(cidrs)) if network.version == ip.version)


def _has_token(header: str, token: str) -> bool:
    scheme, _, given = header.partition(" ")
    return (
        bool(token)
        and scheme.lower() == "bearer"
        and hmac.compare_digest(given.strip().encode(), token.encode())
    )


def scrape_allowed(request) -> bool:
    """From an allowed network (METRICS_ALLOWED_NETWORKS) or with `Authorization: Bearer
    <METRICS_TOKEN>`; the client address is REMOTE_ADDR, as for the rate limits.

    A request relayed by a proxy (it carries X-Forwarded-For) is judged by the token only: its
    REMOTE_ADDR is the proxy's, on the same network as a legitimate scraper."""
    from django.conf import settings

    meta = request.META
    direct = "HTTP_X_FORWARDED_FOR" not in meta
    return (
        direct and _from_allowed_network(meta.get("REMOTE_ADDR", ""), settings.METRICS_ALLOWED_NETWORKS)
    ) or _has_token(meta.get("HTTP_AUTHORIZATION", ""), settings.METRICS_TOKEN)
