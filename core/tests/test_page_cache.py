"""The shared page cache and the Redis cache backend under it."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from appointments.models import Topic
from core import page_cache

pytestmark = pytest.mark.django_db


def test_another_process_change_shows_once_the_version_is_read_again(
    client_for, employer_a, network, monkeypatch
):
    client = client_for(employer_a)
    url = reverse("appointments:book")
    assert network.topic.name_fr in client.get(url).content.decode()

    # Another process renames the topic and bumps the shared version (no signal in this one).
    Topic.objects.filter(pk=network.topic.pk).update(name_fr="Sujet renommé ailleurs")
    cache.incr(page_cache.CATALOGUE_VERSION_KEY)
    assert "Sujet renommé ailleurs" not in client.get(url).content.decode()  # within the delay

    monkeypatch.setattr(page_cache, "VERSION_SECONDS", 0.0)  # the delay has passed
    assert "Sujet renommé ailleurs" in client.get(url).content.decode()


def test_a_page_rendered_before_a_commit_is_not_kept(
    client_for, employer_a, network, django_capture_on_commit_callbacks
):
    client = client_for(employer_a)
    url = reverse("appointments:book")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        network.topic.name_fr = "Nom avant validation"
        network.topic.save()
        client.get(url)  # rendered (by "another process") under the version bumped at save time
    stale = page_cache.catalogue_version()
    for callback in callbacks:
        callback()
    assert page_cache.catalogue_version() > stale


@pytest.mark.redis
def test_the_redis_cache_builds_one_client_per_pool():
    from django.core.cache import caches

    from core.cache import RedisCache

    backend = caches["default"]
    assert isinstance(backend, RedisCache)
    backend.set("page-cache-test", 1, 5)
    assert backend.get("page-cache-test") == 1
    assert backend._cache.get_client() is backend._cache.get_client(write=True)
