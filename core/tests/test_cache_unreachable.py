"""Redis unreachable: the cache answers as a miss, and signed-in pages and bookings still work
(sessions come from the database). No Redis needed: the cache points at a closed port."""

import time
import uuid
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from appointments.models import Appointment, Mode
from appointments.templatetags.booking import utc_param
from core.cache import RedisCache
from tests.booking_helpers import tuesday
from tests.processes import free_port

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def closed_port_cache(settings):
    """The site's cache is a Redis nobody listens to."""
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def test_every_cache_call_answers_as_a_miss_and_the_next_ones_skip_redis():
    cache = RedisCache(f"redis://127.0.0.1:{free_port()}/0", {})
    assert cache.get("k", "default") == "default"
    started = time.monotonic()
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set("k", 1) is None
    assert cache.add("k", 1) is True  # rate limits fail open
    assert cache.get_or_set("k", 5) == 5
    assert cache.set_many({"a": 1}) == ["a"]
    assert cache.delete("k") is False
    assert cache.has_key("k") is False
    with pytest.raises(ValueError):
        cache.incr("counter")  # as for a missing key: callers start a new counter
    assert time.monotonic() - started < 0.05  # Redis is not asked again for a moment


@pytest.mark.django_db
def test_an_employer_signs_in_browses_and_books_while_redis_is_unreachable(
    closed_port_cache, client, employer_a, bookable, django_capture_on_commit_callbacks
):
    client.force_login(employer_a)
    assert client.get(reverse("accounts:home")).status_code == 200
    assert client.get(reverse("appointments:book")).status_code == 200
    search = {"topic": bookable.topic.code, "mode": Mode.SERVICE_POINT, "municipality": "Trois-Rivières"}
    assert client.get(reverse("appointments:slots"), search).status_code == 200
    form = {
        "advisor": bookable.advisor_a.pk,
        "point": bookable.point_a.pk,
        "at": utc_param(tuesday(10, 30)),
        "key": uuid.uuid4(),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{reverse('appointments:confirm')}?{urlencode(search)}", form)
    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("appointments:detail", args=[appointment.uid])
    assert client.get(reverse("appointments:list")).status_code == 200
