"""Behind our proxy, REMOTE_ADDR is the visitor's address: per-IP rate limits count visitors, not
the proxy. Only a trusted peer's X-Forwarded-For is believed, and only its right-most hops."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from core.proxy import ForwardedForMiddleware


def client_address(settings, allowed, peer, forwarded=None) -> str:
    settings.FORWARDED_ALLOW_IPS = allowed
    middleware = ForwardedForMiddleware(lambda request: request.META["REMOTE_ADDR"])
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return middleware(RequestFactory().get("/", REMOTE_ADDR=peer, **headers))


@pytest.mark.parametrize(
    ("allowed", "peer", "forwarded", "expected"),
    [
        # nginx in the compose network appends the address it saw.
        (["172.16.0.0/12"], "172.18.0.5", "203.0.113.7", "203.0.113.7"),
        # A client's own X-Forwarded-For is left of what our proxy appended: ignored.
        (["172.16.0.0/12"], "172.18.0.5", "198.51.100.9, 203.0.113.7", "203.0.113.7"),
        # Two proxies of ours (a load balancer, then nginx): skip both.
        (["172.16.0.0/12", "10.0.0.0/8"], "172.18.0.5", "203.0.113.7, 10.1.2.3", "203.0.113.7"),
        # "*": whoever connects is the proxy, one hop believed.
        (["*"], "172.18.0.5", "198.51.100.9, 203.0.113.7", "203.0.113.7"),
        # Not from a proxy of ours: the header is the visitor's own claim.
        (["172.16.0.0/12"], "198.51.100.1", "203.0.113.7", "198.51.100.1"),
        # Nothing configured (make run, tests): nothing rewritten.
        ([], "127.0.0.1", "203.0.113.7", "127.0.0.1"),
        # A header that is not an address changes nothing.
        (["*"], "172.18.0.5", "not-an-ip", "172.18.0.5"),
        (["*"], "172.18.0.5", None, "172.18.0.5"),
    ],
)
def test_the_visitors_address_comes_from_our_proxy_only(settings, allowed, peer, forwarded, expected):
    assert client_address(settings, allowed, peer, forwarded) == expected


# One rule for everything that counts visitors --------------------------------------------------


def spoofing_client(settings, peer: str) -> Client:
    """A client that writes a new made-up address at the left of X-Forwarded-For on every call."""
    settings.FORWARDED_ALLOW_IPS = ["127.0.0.1"]
    return Client(REMOTE_ADDR=peer)


def spoofed(counter: list[int]) -> dict:
    counter.append(len(counter))
    return {"HTTP_X_FORWARDED_FOR": f"198.51.100.{len(counter)}, 203.0.113.7"}


@pytest.mark.django_db
@pytest.mark.parametrize("peer", ["127.0.0.1", "192.0.2.44"], ids=["behind-our-proxy", "direct"])
def test_a_spoofed_forwarded_for_cannot_reset_the_api_throttle(settings, peer):
    """Issue 18: DRF's own get_ident read the whole X-Forwarded-For, so a new made-up hop on each
    call was a new visitor: 130 calls got through a 120/min limit."""
    settings.API_RATE_LIMITS = {"user": "600/min", "anonymous": "3/min"}
    client, hops = spoofing_client(settings, peer), []
    statuses = [client.get(reverse("api:topic-list"), **spoofed(hops)).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    # Another visitor is counted on their own.
    other = {"HTTP_X_FORWARDED_FOR": "203.0.113.99"} if peer == "127.0.0.1" else {}
    other_client = Client(REMOTE_ADDR=peer if other else "192.0.2.45")
    assert other_client.get(reverse("api:topic-list"), **other).status_code == 200


@pytest.mark.django_db
def test_the_api_write_limit_and_allauth_count_the_same_visitor(settings, rf):
    from allauth.account.adapter import get_adapter

    from core.api import ApiRateThrottle, WriteThrottle

    settings.FORWARDED_ALLOW_IPS = ["127.0.0.1"]
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7")
    ForwardedForMiddleware(lambda r: None)(request)
    assert get_adapter().get_client_ip(request) == "203.0.113.7"
    assert ApiRateThrottle().get_ident(request) == "203.0.113.7"
    assert WriteThrottle().get_ident(request) == "203.0.113.7"
