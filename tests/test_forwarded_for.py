"""Behind our proxy, REMOTE_ADDR is the visitor's address: per-IP rate limits count visitors, not
the proxy. Only a trusted peer's X-Forwarded-For is believed, and only its right-most hops."""

import pytest
from django.test import RequestFactory

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
