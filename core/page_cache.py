"""Whole-page caching for signed-in pages that look the same for many people.

The booking form (step 1) is the page every employer opens first; what it shows depends only on
the language, the company's municipality (the default place), the catalogue (topics, languages,
gazetteer), the year in the footer, and the visitor's CSRF token. `cached_page` renders a page
once per process for each combination of the first four, with a placeholder where the CSRF
token goes, and fills in the visitor's own token on every request. So each visitor gets the page
as it would be rendered now, and the cache is skipped when anything else is in play:

- a flash message is waiting (it must be shown once, not cached);
- the URL has a query string (the page would echo it, e.g. in the language switcher).

Access checks still run on every request (the view is decorated as before); only the rendering
is reused. The catalogue version lives in the shared cache (Redis in production) and is bumped
by signals when a topic, language, municipality or region changes (each app's ready() calls
`watch_catalogue`). The
process that made the change sees it on its next request; the others read the version at most
every VERSION_SECONDS (2 s), so they show it within 2 s: what the form offers is checked again
when it is submitted, and a page a second old costs no one anything, while a Redis read on
every request costs a third of the page's time. Pages are kept per process (a bounded LRU): a
25 KB page read from Redis on every request would cost more than rendering it is worth.
"""

import secrets
import threading
import time
from collections import OrderedDict

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.translation import get_language

CATALOGUE_VERSION_KEY = "catalogue:version"
MAX_PAGES = 512  # per process: 2 languages × the municipalities that have employers, with room

# Never sent to anyone: replaced by the visitor's token before a cached page leaves the server.
_TOKEN_PLACEHOLDER = f"csrf-placeholder-{secrets.token_hex(16)}"
_RENDERING_ATTR = "_page_cache_rendering"

# The catalogue version as last read, and when: other processes see a change within this delay.
VERSION_SECONDS = 2.0
_version: tuple[int, float] | None = None

_pages: OrderedDict[tuple, tuple[int, bytes]] = OrderedDict()
_lock = threading.Lock()


def catalogue_version() -> int:
    """The shared catalogue version, read at most once per VERSION_SECONDS in each process."""
    global _version
    now = time.monotonic()
    if _version is None or now - _version[1] >= VERSION_SECONDS:
        _version = (cache.get_or_set(CATALOGUE_VERSION_KEY, 1, None), now)
    return _version[0]


def bump_catalogue_version(**_kwargs) -> None:
    global _version
    try:
        cache.incr(CATALOGUE_VERSION_KEY)
    except ValueError:  # not in the cache (evicted or never read): start a new series
        cache.set(CATALOGUE_VERSION_KEY, 2, None)
    _version = None  # this process sees its own change at once


def forget_pages() -> None:
    global _version
    with _lock:
        _pages.clear()
    _version = None


def csrf_placeholder(request) -> dict:
    """Context processor (after Django's `csrf`): while a shared page is rendered, its token is a
    placeholder, so no visitor's token is ever stored in a page another visitor receives."""
    if getattr(request, _RENDERING_ATTR, False):
        return {"csrf_token": _TOKEN_PLACEHOLDER}
    return {}


def _with_token(request, html: bytes) -> bytes:
    return html.replace(_TOKEN_PLACEHOLDER.encode(), get_token(request).encode())


def cached_page(request, name: str, parts, render) -> HttpResponse:
    """The page `name` for these `parts`, from the cache or from `render()` (a 200 response)."""
    if request.GET or messages.get_messages(request):
        return render()
    key = (name, get_language(), timezone.localdate().year, *parts)
    version = catalogue_version()
    with _lock:
        cached = _pages.get(key)
        if cached is not None:
            _pages.move_to_end(key)
    if cached is not None and cached[0] == version:
        return HttpResponse(_with_token(request, cached[1]))

    setattr(request, _RENDERING_ATTR, True)
    try:
        response = render()
    finally:
        setattr(request, _RENDERING_ATTR, False)
    if response.status_code != 200:
        return response
    html = response.content
    with _lock:
        _pages[key] = (version, html)
        _pages.move_to_end(key)
        while len(_pages) > MAX_PAGES:
            _pages.popitem(last=False)
    response.content = _with_token(request, html)
    return response


def _catalogue_changed(**kwargs) -> None:
    # Now, and again once the change is committed: a page rendered by another process between the
    # two (from the rows as they were) is not kept under the new version.
    from django.db import transaction

    bump_catalogue_version()
    transaction.on_commit(bump_catalogue_version)


def watch_catalogue(model) -> None:
    """Bump the catalogue version whenever a row of `model` is saved or deleted."""
    from django.db.models.signals import post_delete, post_save

    for signal in (post_save, post_delete):
        signal.connect(
            _catalogue_changed, sender=model, weak=False, dispatch_uid=f"catalogue-{model.__name__}-{signal}"
        )
