"""The visitor's address behind our reverse proxy, for the rate limits and the /metrics rule.

Behind nginx (deploy/nginx.conf) every request reaches gunicorn from the proxy's address: the
per-IP rate limits would count all visitors as one. gunicorn leaves REMOTE_ADDR alone, so when
the peer is one of our proxies (FORWARDED_ALLOW_IPS, the same setting that lets gunicorn trust
their X-Forwarded-Proto) REMOTE_ADDR becomes the address the proxy saw: the right-most entry of
X-Forwarded-For that is not itself a trusted proxy. Entries further left were written by the
client and are never believed. "*" trusts the peer, whoever it is (the web containers are not
reachable except through the proxy), and one hop of X-Forwarded-For.
"""

import ipaddress

from django.conf import settings


def _networks(values) -> list:
    return [ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip() and v.strip() != "*"]


def _address(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


class ForwardedForMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        allowed = settings.FORWARDED_ALLOW_IPS
        self.any_peer = "*" in allowed
        self.proxies = _networks(allowed)

    def _trusted(self, address) -> bool:
        return address is not None and any(address in network for network in self.proxies)

    def __call__(self, request):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
        peer = _address(request.META.get("REMOTE_ADDR", ""))
        if forwarded and (self.any_peer or self._trusted(peer)):
            hops = [_address(part) for part in forwarded.split(",")]
            client = None
            for hop in reversed(hops):
                client = hop
                if self.any_peer or not self._trusted(hop):
                    break
            if client is not None:
                request.META["REMOTE_ADDR"] = str(client)
        return self.get_response(request)
