"""Server-side request forgery guard for destinations people type in (webhook URLs).

A webhook URL must be https in production, and must not point at private, loopback, link-local,
multicast, reserved or otherwise non-global addresses (the metadata service, the database, the
admin port of a router) unless WEBHOOK_ALLOW_PRIVATE_NETWORKS is on (default: on with DEBUG).

The URL is checked when it is saved (`webhook_url_error`) and again at every send
(`resolve_destination`): the name is resolved, every address checked, and the request goes to the
checked address, so a name that resolves to a public address at save time and to 127.0.0.1 later
(DNS rebinding) is refused.
"""

import functools
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


class UnsafeDestination(Exception):
    """The destination is refused; the message is safe to show to the person who set it."""


def address_allowed(address: str) -> bool:
    if settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        return True
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    blocked = (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
        or ip.is_unspecified or not ip.is_global
    )
    return not blocked


def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def webhook_url_error(url: str, *, resolve: bool = True) -> str | None:
    """Why a webhook URL cannot be saved, or None. A name that does not resolve now is accepted
    (it is resolved and checked again at every send); one that resolves to a refused address is not."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "The URL is not valid."
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Use an http:// or https:// URL."
    if parts.scheme != "https" and settings.WEBHOOK_REQUIRE_HTTPS:
        return "Use an https:// URL: replies are not sent in clear text."
    if parts.username or parts.password:
        return "Credentials in the URL are not allowed; authenticate deliveries with the signing secret."
    try:
        addresses = [_literal(parts.hostname)] if _literal(parts.hostname) else (_resolve(parts.hostname, parts.port) if resolve else [])
    except UnsafeDestination:
        return None
    if any(not address_allowed(address) for address in addresses):
        return "This URL points at a private, loopback, link-local or reserved address: it is refused."
    return None


def _resolve(host: str, port: int | None) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnsafeDestination("unreachable") from None
    return list(dict.fromkeys(info[4][0] for info in infos))


@dataclass(frozen=True)
class Destination:
    """Where to connect: the checked address, and the name for the Host header and TLS (SNI and
    certificate check)."""

    url: str  # the original URL with its host replaced by the checked address
    host: str  # the original host name (Host header, SNI)
    host_header: str
    scheme: str = "https"
    address: str = ""  # the checked address the connection goes to
    port: int = 443
    target: str = "/"  # path and query: the request target


@dataclass(frozen=True)
class _Parsed:
    scheme: str
    host: str
    port: int | None
    literal: str | None  # the host when it is an IP address
    host_header: str
    target: str


@functools.lru_cache(maxsize=1024)
def _parse(url: str, require_https: bool, allow_private: bool) -> _Parsed:
    """What resolving `url` needs that does not depend on DNS, checked (raises UnsafeDestination).
    Cached per URL and the two settings it depends on: a sender resolves the same few URLs
    thousands of times. Only the name lookup and its addresses' check are done at every send."""
    if error := webhook_url_error(url, resolve=False):
        raise UnsafeDestination(error)
    parts = urlsplit(url)
    host = parts.hostname
    default_port = {"http": 80, "https": 443}[parts.scheme]
    host_header = host if not parts.port or parts.port == default_port else f"{host}:{parts.port}"
    if ":" in host and not host.startswith("["):
        host_header = f"[{host}]" + (f":{parts.port}" if parts.port and parts.port != default_port else "")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Parsed(parts.scheme, host, parts.port, _literal(host), host_header, target)


def resolve_destination(url: str) -> Destination:
    """Resolve and check the URL's host now; raises UnsafeDestination."""
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS
    parsed = _parse(url, settings.WEBHOOK_REQUIRE_HTTPS, allow_private)
    addresses = [parsed.literal] if parsed.literal else _resolve(parsed.host, parsed.port)
    if not addresses or any(not address_allowed(address) for address in addresses):
        raise UnsafeDestination("refused: the webhook URL does not resolve to a public address")
    address = addresses[0]
    netloc_host = f"[{address}]" if ":" in address else address
    netloc = f"{netloc_host}:{parsed.port}" if parsed.port else netloc_host
    port = parsed.port or {"http": 80, "https": 443}[parsed.scheme]
    return Destination(
        urlsplit(url)._replace(netloc=netloc).geturl(), parsed.host, parsed.host_header,
        parsed.scheme, address, port, parsed.target,
    )
