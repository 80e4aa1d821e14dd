"""Where a delivery may go: public addresses only, checked when subscribing and again at every
delivery, after resolving, on the very address the request then connects to.

A subscription's URL is written by an organisation admin, and mdprod's workers sit inside the
operator's network: without this check a subscriber could make them POST to the database, the
cache or a cloud metadata service, and read from the delivery log which ports answer. So:

- When subscribing or changing the URL, a literal address that is not public, and the
  ``localhost`` names, are refused (400 on ``url``). Host names are not resolved then (that
  would itself be a probe of the inside's DNS, answered with a 400 or a 201).
- At delivery, the host name is resolved once; if any address it resolves to is not public the
  delivery is refused (recorded like any connection failure) and nothing connects; otherwise the
  connection is opened to those checked addresses, while the ``Host`` header and the TLS server
  name and certificate check use the host name. A second DNS answer (rebinding) cannot swap the
  address in between, because there is no second lookup.

"Not public": loopback, private (RFC 1918, ULA ``fc00::/7``), link-local (``169.254/16``,
``fe80::/10``), shared address space (CGNAT, ``100.64/10``), reserved, documentation and
benchmarking ranges, multicast, unspecified, broadcast, and the IPv6 forms that carry such an
IPv4 address (IPv4-mapped ``::ffff:a.b.c.d``, IPv4-compatible, 6to4, NAT64 ``64:ff9b::/96``,
Teredo). ``MDPROD_WEBHOOK_ALLOW_PRIVATE_TARGETS`` lets an on-premises install deliver to its own
network; even then unspecified and multicast addresses are refused.
"""

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


class TargetRefused(Exception):
    """The target is not a public address (or does not resolve): nothing was connected."""


def allow_private() -> bool:
    return bool(getattr(settings, "MDPROD_WEBHOOK_ALLOW_PRIVATE_TARGETS", False))


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if address.version != 6:
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in network for network in (*_NAT64, _IPV4_COMPATIBLE)):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_refused(address: IPAddress, *, private_allowed: bool | None = None) -> bool:
    """Whether a delivery may not connect to ``address``."""
    if private_allowed is None:
        private_allowed = allow_private()
    if address.is_unspecified or address.is_multicast:
        return True
    if address.is_loopback:
        return not private_allowed
    if (embedded := _embedded_ipv4(address)) is not None:
        return address_refused(embedded, private_allowed=private_allowed)
    if private_allowed:
        return False
    if address.version == 6 and address.teredo is not None:
        return True
    # ``is_global`` alone lets multicast and a few reserved blocks through on Python 3.11.
    return not address.is_global or address.is_reserved or address.is_private


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _is_local_name(host: str) -> bool:
    host = host.rstrip(".").lower()
    return host in LOCAL_NAMES or host.endswith(".localhost")


def url_target_refused(url: str) -> bool:
    """Subscribe-time check: the URL names a non-public address literally, or a local name."""
    host = urlsplit(url).hostname or ""
    if allow_private():
        return False
    literal = _literal(host.split("%", 1)[0])
    if literal is not None:
        return address_refused(literal)
    return _is_local_name(host)


def target_of(url: str) -> str:
    """``host:port`` of the URL, the unit the concurrency cap counts."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # out of range: it never connects, but still counts as one target
        return parts.netloc.rpartition("@")[2].lower()
    host = (parts.hostname or "").lower()
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@dataclass(frozen=True)
class Resolved:
    family: int
    sockaddr: tuple


def resolve(host: str, port: int) -> list[Resolved]:
    """Resolve once and check every address; raise ``TargetRefused`` if any is not public."""
    if not allow_private() and _is_local_name(host):
        raise TargetRefused(f"{host} is a local name")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise TargetRefused(f"{host} does not resolve: {exc}") from exc
    resolved = []
    for family, _type, _proto, _name, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            raise TargetRefused(f"{host} resolves to a non-IP address")
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address_refused(address):
            raise TargetRefused(f"{host} resolves to {address}, which is not a public address")
        resolved.append(Resolved(family, sockaddr))
    if not resolved:
        raise TargetRefused(f"{host} resolves to nothing")
    return resolved


def _connect(addresses: Sequence[Resolved], timeout: float | None) -> socket.socket:
    last_error: OSError | None = None
    for address in addresses:
        sock = socket.socket(address.family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(address.sockaddr)
        except OSError as exc:
            sock.close()
            last_error = exc
            continue
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    raise last_error or OSError("no address to connect to")


class PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to the checked addresses; the ``Host`` header still names the host."""

    def __init__(self, host: str, port: int, *, addresses: Sequence[Resolved], timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.pinned_addresses = list(addresses)

    def connect(self):
        self.sock = _connect(self.pinned_addresses, self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to the checked addresses; SNI and the certificate check use the host name."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        addresses: Sequence[Resolved],
        timeout: float,
        context: ssl.SSLContext | None = None,
    ):
        self.pinned_context = context or ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.pinned_context)
        self.pinned_addresses = list(addresses)

    def connect(self):
        sock = _connect(self.pinned_addresses, self.timeout)
        try:
            self.sock = self.pinned_context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def open_connection(url: str, *, timeout: float) -> http.client.HTTPConnection:
    """A connection for ``url`` bound to its checked addresses (``TargetRefused`` otherwise)."""
    parts = urlsplit(url)
    try:
        host = (parts.hostname or "").encode("idna").decode("ascii")
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except (UnicodeError, ValueError) as exc:
        raise TargetRefused(f"unusable host or port: {exc}") from exc
    addresses = resolve(host, port)
    if parts.scheme == "https":
        return PinnedHTTPSConnection(host, port, addresses=addresses, timeout=timeout)
    if parts.scheme == "http":
        return PinnedHTTPConnection(host, port, addresses=addresses, timeout=timeout)
    raise TargetRefused(f"not an http(s) URL: {parts.scheme}")
