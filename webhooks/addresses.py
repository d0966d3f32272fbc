"""Where a webhook may be sent: never to this machine or a private network (request forgery),
unless settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES (development and tests, on loopback).

Checked when the administrator saves the URL and again before each POST, on every address the
name resolves to (a name can be re-pointed after it was saved)."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def _addresses(host: str, port: int) -> set[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError as error:
        raise ValidationError(_("The address %(host)s cannot be resolved.") % {"host": host}) from error
    return {ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos}


def _public(address) -> bool:
    return address.is_global and not (address.is_multicast or address.is_reserved)


def check_url(url: str) -> None:
    """Raise ValidationError unless `url` may receive webhooks."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationError(_("Enter an https:// address."))
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return
    addresses = _addresses(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    if not all(_public(address) for address in addresses):
        raise ValidationError(
            _(
                "This address points to this server or a private network: webhooks are only sent to "
                "the internet."
            )
        )
    if parts.scheme != "https":
        raise ValidationError(_("Enter an https:// address."))
