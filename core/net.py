"""Outgoing connections to addresses that admins type (chat webhooks, mail servers): the one
guarded client every app uses, so that the helpdesk cannot be turned against its own network.

check_host() resolves a name once and refuses loopback, link-local (cloud metadata at
169.254.169.254), private, shared, multicast, reserved and unspecified addresses, IPv4-mapped or
-compatible IPv6, 6to4, Teredo and NAT64 addresses embedding such an IPv4, and unique-local IPv6
(fc00::/7), unless the name is in settings.HELPDESK_ALLOWED_INTERNAL_HOSTS (admins name the
internal hosts they trust, e.g. an intranet mail server). connect() opens a socket to the
address that was checked (no second lookup in between: DNS rebinding), wrapping it in TLS with
the name as SNI and certificate name. post_json() posts over such a socket and follows no
redirect. Errors are OutgoingError: a fixed sentence that never repeats what the remote end said.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import ssl
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT


class OutgoingError(Exception):
    """A connection refused by the guard or failed on the way. str() is one of a fixed set of
    sentences (translated): nothing the remote end sent is ever part of it."""

    message = _("the connection failed")
    # A permanent error will not go away by retrying later.
    permanent = False

    def __str__(self) -> str:
        return str(self.message)


class RefusedAddress(OutgoingError):
    message = _("refused address: internal, private or reserved networks are not reachable")
    permanent = True


class CouldNotResolve(OutgoingError):
    message = _("the host name could not be resolved")


class ConnectionRefused(OutgoingError):
    message = _("the connection was refused")


class TimedOut(OutgoingError):
    message = _("the connection timed out")


class TLSError(OutgoingError):
    message = _("the secure connection (TLS) failed")


class Redirected(OutgoingError):
    message = _("the server answered with a redirect")
    permanent = True


class HTTPStatus(OutgoingError):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code
        self.permanent = 400 <= code < 500 and code not in (408, 429)

    def __str__(self) -> str:
        return str(_("HTTP status %(code)s")) % {"code": self.code}


def resolve(host: str, port: int) -> list[tuple[int, tuple]]:
    """(family, sockaddr) of each address host resolves to (tests replace this function)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return [(family, sockaddr) for family, _type, _proto, _name, sockaddr in infos]


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64 or ip in _IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(ip: IPAddress) -> bool:
    """Whether ip is an ordinary address on the internet."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None or ip in _IPV4_COMPATIBLE:
            return False  # an IPv4 in IPv6 clothes: use the IPv4 itself
        embedded = _embedded_ipv4(ip)
        if embedded is not None and not is_public(embedded):
            return False
        if ip.is_site_local:
            return False
    elif ip in _SHARED:
        return False
    return ip.is_global and not (
        ip.is_loopback
        or ip.is_link_local
        or ip.is_private
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def _bare(host: str) -> str:
    return (host or "").strip().strip("[]").rstrip(".").lower()


def is_allowed_internal(host: str) -> bool:
    allowed = getattr(settings, "HELPDESK_ALLOWED_INTERNAL_HOSTS", None) or []
    return _bare(host) in {_bare(name) for name in allowed if name}


def check_host(host: str, port: int) -> list[tuple[int, tuple]]:
    """Resolve host once; the (family, sockaddr) to connect to, each checked. Raises
    RefusedAddress when any address is internal (and the name is not allowed), CouldNotResolve
    when the name has no address."""
    name = _bare(host)
    if not name:
        raise CouldNotResolve
    try:
        addresses = resolve(name, port)
    except (OSError, UnicodeError, ValueError) as exc:
        raise CouldNotResolve from exc
    if not addresses:
        raise CouldNotResolve
    if is_allowed_internal(name):
        return addresses
    for _family, sockaddr in addresses:
        try:
            ip = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        except ValueError as exc:
            raise RefusedAddress from exc
        if not is_public(ip):
            raise RefusedAddress
    return addresses


def connect(
    host: str,
    port: int,
    *,
    tls: bool = False,
    connect_timeout: float = CONNECT_TIMEOUT,
    read_timeout: float = READ_TIMEOUT,
) -> socket.socket:
    """A socket to host:port through the guard, connected to the checked address; with tls,
    wrapped with host as SNI and certificate name (verified)."""
    addresses = check_host(host, port)
    error: OutgoingError = ConnectionRefused()
    sock = None
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(connect_timeout)
        try:
            sock.connect(sockaddr)
            break
        except OSError as exc:
            sock.close()
            sock = None
            error = failure(exc)
    if sock is None:
        raise error
    sock.settimeout(read_timeout)
    if not tls:
        return sock
    context = ssl.create_default_context()
    try:
        return context.wrap_socket(sock, server_hostname=_bare(host))
    except Exception as exc:
        sock.close()
        raise failure(exc) from exc


def failure(exc: BaseException) -> OutgoingError:
    """The fixed error for an exception raised while talking to a remote end (its text, which
    may quote the remote end, is dropped)."""
    if isinstance(exc, OutgoingError):
        return exc
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return TLSError()
    if isinstance(exc, TimeoutError | socket.timeout):
        return TimedOut()
    if isinstance(exc, ConnectionRefusedError):
        return ConnectionRefused()
    return OutgoingError()


class _CheckedConnection(http.client.HTTPConnection):
    """http.client on a socket from connect(): Host header and SNI carry the name."""

    def __init__(self, host: str, port: int, *, tls: bool, read_timeout: float) -> None:
        super().__init__(host, port, timeout=read_timeout)
        self._tls = tls
        self._read_timeout = read_timeout

    def connect(self) -> None:
        self.sock = connect(self.host, self.port, tls=self._tls, read_timeout=self._read_timeout)


def _split(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an http(s) URL; RefusedAddress otherwise."""
    parts = urlsplit(url or "")
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise RefusedAddress
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise RefusedAddress from exc
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, parts.hostname, port, path


def check_url(url: str) -> None:
    """Raises OutgoingError unless url is http(s) on a host that passes check_host."""
    _scheme, host, port, _path = _split(url)
    check_host(host, port)


def post_json(
    url: str,
    payload: dict,
    *,
    headers: dict | None = None,
    read_timeout: float = READ_TIMEOUT,
    body: bytes | None = None,
) -> int:
    """POST payload as JSON to an http(s) URL through the guard; returns the 2xx status.
    body: payload already encoded (a signed post sends the very bytes it signed).
    Raises HTTPStatus for an error status, Redirected for any 3xx (never followed)."""
    scheme, host, port, path = _split(url)
    conn = _CheckedConnection(host, port, tls=scheme == "https", read_timeout=read_timeout)
    try:
        conn.request(
            "POST",
            path,
            body=body if body is not None else json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        response = conn.getresponse()
        response.read(64 * 1024)  # drained, never shown
        status = response.status
    except Exception as exc:
        raise failure(exc) from exc
    finally:
        conn.close()
    if 300 <= status < 400:
        raise Redirected
    if not 200 <= status < 300:
        raise HTTPStatus(status)
    return status


class TooLarge(OutgoingError):
    message = _("the answer is larger than allowed")
    permanent = True


def get_bytes(url: str, *, max_bytes: int, read_timeout: float = 60.0) -> bytes:
    """GET an http(s) URL through the guard (a file an ERP publishes): its body, at most
    max_bytes (TooLarge beyond). Follows no redirect; an error status raises HTTPStatus."""
    scheme, host, port, path = _split(url)
    conn = _CheckedConnection(host, port, tls=scheme == "https", read_timeout=read_timeout)
    try:
        conn.request("GET", path, headers={"Accept": "*/*"})
        response = conn.getresponse()
        status = response.status
        body = response.read(max_bytes + 1) if 200 <= status < 300 else b""
    except Exception as exc:
        raise failure(exc) from exc
    finally:
        conn.close()
    if 300 <= status < 400:
        raise Redirected
    if not 200 <= status < 300:
        raise HTTPStatus(status)
    if len(body) > max_bytes:
        raise TooLarge
    return body
