"""What each middleware costs on the bare view (/healthz), in µs, and our stack against none.

    .venv/bin/python bench/middleware.py [--requests 4000] [--rounds 5]

In process, through Django's WSGI handler (no socket, no gunicorn: what the stack itself costs),
with the production settings (DEBUG=0). Per round, interleaved: the stack cut after each
middleware in turn, from none at all (the same settings with no middleware: the "bare Django
view" of issue 20) to the whole stack; a middleware's cost is the stack up to it minus the stack
before it (cut anywhere else, a middleware would lose one it needs: auth needs sessions).
Prints the median over rounds of µs per request (CPU time of this process by default: on a
machine shared with other jobs, wall time mostly measures the waits for a core), each
middleware's cost, and bare ÷ ours
(requests per second of ours as a share of the bare stack's). A request is GET /healthz with a
browser's headers (Accept-Language) and no cookie, as a probe or wrk sends it.
"""

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "midi_regions.settings")
os.environ.setdefault("SECRET_KEY", "bench-not-secret")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django

django.setup()

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.test.utils import override_settings


def environ(path: str = "/healthz") -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_USER_AGENT": "Mozilla/5.0 (bench)",
        "HTTP_ACCEPT": "text/html,application/xhtml+xml",
        "HTTP_ACCEPT_LANGUAGE": "fr-CA,fr;q=0.9,en;q=0.8",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def handler_for(middleware: list[str]) -> WSGIHandler:
    with override_settings(MIDDLEWARE=middleware):
        return WSGIHandler()


CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


def per_request_us(handler: WSGIHandler, requests: int, path: str, clock=time.process_time) -> float:
    statuses = []

    def start_response(status, headers):
        statuses.append(status)

    base = environ(path)
    started = clock()
    for _ in range(requests):
        env = dict(base)
        env["wsgi.input"] = io.BytesIO(b"")
        response = handler(env, start_response)
        b"".join(response)
        response.close()
    elapsed = clock() - started
    assert statuses[-1].startswith("200"), statuses[-1]
    return elapsed / requests * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--path", default="/healthz")
    parser.add_argument(
        "--clock",
        choices=CLOCKS,
        default="cpu",
        help="cpu: this process's CPU time (a machine shared with other jobs barely moves it); wall",
    )
    args = parser.parse_args()
    clock = CLOCKS[args.clock]

    stack = list(settings.MIDDLEWARE)
    handlers = {n: handler_for(stack[:n]) for n in range(len(stack) + 1)}
    for handler in handlers.values():  # warm: imports, URL resolver, translations
        per_request_us(handler, 200, args.path)
    times: dict[str, list[float]] = {name: [] for name in handlers}
    for _ in range(args.rounds):
        for name, handler in handlers.items():
            times[name].append(per_request_us(handler, args.requests, args.path, clock))
    median = {name: statistics.median(values) for name, values in times.items()}

    print(
        f"GET {args.path}, in process, {args.rounds} rounds × {args.requests} requests "
        f"(median µs of {args.clock} time each)"
    )
    ours, bare = median[len(stack)], median[0]
    print(f"  our stack ({len(stack)} middlewares): {ours:8.1f} µs")
    print(f"  no middleware (bare Django view):  {bare:8.1f} µs")
    print(f"  bare ÷ ours (throughput share):    {bare / ours:8.2f}")
    print("each middleware's cost (stack up to it − stack before it):")
    for n, name in enumerate(stack, start=1):
        print(f"  {median[n] - median[n - 1]:7.1f} µs  {name}")


if __name__ == "__main__":
    main()
