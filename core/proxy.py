"""The visitor's address behind our reverse proxy, for the rate limits and the /metrics rule.

Behind nginx (deploy/nginx.conf) every request reaches gunicorn from the proxy's address: the
per-IP rate limits would count all visitors as one. gunicorn leaves REMOTE_ADDR alone, so when
the peer is one of our proxies (FORWARDED_ALLOW_IPS, the same setting that lets gunicorn trust
their X-Forwarded-Proto) REMOTE_ADDR becomes the address the proxy saw: the right-most entry of
X-Forwarded-For that is not itself a trusted proxy. Entries further left were written by the
client and are never believed. "*" trusts the peer, whoever it is (the web containers are not
reachable except through the proxy), and one hop of X-Forwarded-For.

This is the one client-address rule: pages, API throttles (core.api), allauth's rate
limits (accounts.adapter) and gunicorn's log lines (gunicorn.conf.py) all read `client_ip` or
`visitor_address`, never X-Forwarded-For themselves.
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


def visitor_address(peer: str, forwarded: str | None, allowed) -> str:
    """The rule itself: `peer` (the connection's address) unless it is one of our proxies
    (`allowed`, as FORWARDED_ALLOW_IPS), then the right-most hop of `forwarded` that is not."""
    trusted = _networks(allowed)
    any_peer = "*" in allowed

    def is_proxy(address) -> bool:
        return address is not None and any(address in network for network in trusted)

    if not forwarded or not (any_peer or is_proxy(_address(peer))):
        return peer
    client = None
    for hop in reversed([_address(part) for part in forwarded.split(",")]):
        client = hop
        if any_peer or not is_proxy(hop):
            break
    return str(client) if client is not None else peer


def client_ip(request) -> str:
    """The visitor's address for everything that counts or records visitors: the pages' rate
    limits, the API throttles, allauth's limits (accounts.adapter) and /metrics. Set by
    `ForwardedForMiddleware`; never read X-Forwarded-For anywhere else."""
    return request.META.get("REMOTE_ADDR") or "unknown"


class ForwardedForMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.allowed = list(settings.FORWARDED_ALLOW_IPS)

    def __call__(self, request):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
        if forwarded:
            request.META["REMOTE_ADDR"] = visitor_address(
                request.META.get("REMOTE_ADDR", ""), forwarded, self.allowed
            )
        return self.get_response(request)
