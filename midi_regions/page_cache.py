"""Whole-page caching for signed-in pages that look the same for many people.

The booking form (step 1) is the page every employer opens first; what it shows depends only on
the language, the company's municipality (the default place), the catalogue (topics, languages,
gazetteer) and the visitor's CSRF secret (the tokens in its forms). `cached_page` keys the
rendered HTML on exactly those, so each visitor gets the page as it would be rendered now, and
skips the cache when anything else is in play:

- a flash message is waiting (it must be shown once, not cached);
- the visitor has no CSRF cookie yet (the render creates the secret and sets the cookie).

Access checks still run on every request (the view is decorated as before); only the rendering
is reused. The catalogue version is bumped by signals when a topic, language, municipality or
region changes (`midi_regions.apps`), so a change shows on the next request in the same cache
(Redis in production; per process in the embedded runtime).
"""

import hashlib

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import get_language

CATALOGUE_VERSION_KEY = "catalogue:version"
PAGE_SECONDS = 600


def catalogue_version() -> int:
    return cache.get_or_set(CATALOGUE_VERSION_KEY, 1, None)


def bump_catalogue_version(**_kwargs) -> None:
    try:
        cache.incr(CATALOGUE_VERSION_KEY)
    except ValueError:  # not in the cache (evicted or never read): start a new series
        cache.set(CATALOGUE_VERSION_KEY, 2, None)


def _key(request, name: str, parts) -> str | None:
    secret = request.META.get("CSRF_COOKIE")
    if not secret:
        return None
    raw = "|".join(str(p) for p in (name, get_language(), secret, catalogue_version(), *parts))
    return "page:" + hashlib.sha256(raw.encode()).hexdigest()


def cached_page(request, name: str, parts, render) -> HttpResponse:
    """The page `name` for these `parts`, from the cache or from `render()` (a 200 response)."""
    if messages.get_messages(request):
        return render()
    key = _key(request, name, parts)
    if key is not None:
        html = cache.get(key)
        if html is not None:
            return HttpResponse(html)
    response = render()
    key = key or _key(request, name, parts)  # the render may have created the CSRF secret
    if key is not None and response.status_code == 200:
        cache.set(key, response.content, PAGE_SECONDS)
    return response
