"""Rate limits on the writes anyone can repeat: booking and consultation requests.

Fixed windows counted in the cache (Redis in production, so every worker shares the count): per
signed-in user and per client IP. Over the limit, the view is not run at all: a 429 page says
when to try again and the response carries `Retry-After`. Limits live in `settings.RATE_LIMITS`
as "count/period" with period s, m or h ("20/h"). Sign-in, sign-up and password reset are
limited by django-allauth (`ACCOUNT_RATE_LIMITS`), which renders the same 429 template.

The client IP is `proxy.client_ip`: behind the production proxy, the visitor's address (the
trusted proxies are FORWARDED_ALLOW_IPS), by the same rule as the API throttles and allauth.
"""

import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

from core.proxy import client_ip

PERIODS = {"s": 1, "m": 60, "h": 3600}


def parse(rate: str) -> tuple[int, int]:
    count, period = rate.split("/")
    return int(count), PERIODS[period]


def hit(scope: str, key: str, rate: str, *, now: float | None = None) -> int | None:
    """Count one attempt: None while within the limit, else the seconds until the window ends."""
    count, seconds = parse(rate)
    now = time.time() if now is None else now
    window = int(now // seconds)
    cache_key = f"ratelimit:{scope}:{key}:{window}"
    if cache.add(cache_key, 1, seconds + 5):
        used = 1
    else:
        try:
            used = cache.incr(cache_key)
        except ValueError:  # expired between add and incr: a new window
            cache.set(cache_key, 1, seconds + 5)
            used = 1
    if used > count:
        return max(1, seconds - int(now) % seconds)
    return None


def limit_posts(scope: str):
    """View decorator: POSTs count against settings.RATE_LIMITS[scope] ("user" and "ip" rates)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                rates = settings.RATE_LIMITS.get(scope, {})
                keys = {"user": request.user.pk if request.user.is_authenticated else None}
                keys["ip"] = client_ip(request)
                for kind, rate in rates.items():
                    if keys.get(kind) is None:
                        continue
                    retry = hit(f"{scope}:{kind}", str(keys[kind]), rate)
                    if retry is not None:
                        response = render(
                            request, "429.html", {"retry_minutes": max(1, round(retry / 60))}, status=429
                        )
                        response["Retry-After"] = str(retry)
                        return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
