"""Outbound URLs a tenant chooses (subscriptions, their pings, webhook registration targets).

A tenant must not be able to make the server reach inside its own network. Every such URL is
checked twice:

* when it is given (``OutboundPolicy.check``): ``https`` only (``http`` only when the server allows
  it for development), a host name, and every address it resolves to public;
* at every request (``GuardedSender``): the name is resolved again, each address checked again, and
  the connection is made to that checked address (with the name as ``Host`` and TLS server name),
  so a name that changes its answer between the check and the request (DNS rebinding) still only
  ever reaches an address that passed. Redirects are never followed, proxy variables are ignored and
  connecting has a short timeout.

An explicit allowlist of addresses or networks (``127.0.0.1``, ``10.0.0.0/8``) lets development and
test setups deliver to local receivers; the server logs it at startup.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# (host, port) -> the addresses the name resolves to, as text.
Resolver = Callable[[str, int], list[str]]

# Cloud instance metadata services (AWS, GCP, Azure, Oracle: 169.254.169.254; AWS IPv6; Alibaba).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
METADATA_NAMES = frozenset({"metadata.google.internal", "metadata", "instance-data"})
# Shared address space (RFC 6598) is not "private" to Python, but it is inside a provider's network.
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")
MAX_URL_LENGTH = 2000


class OutboundURLError(ValueError):
    """A URL the policy refuses. ``rule`` names the rule (the API answers 422 with it)."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


# Addresses Python's ``is_global`` may still call global (it changed between releases): the 6to4
# relay anycast (RFC 7526, deprecated) and the IPv6 site-local range (RFC 3879, deprecated).
# Also the IETF protocol assignments (RFC 6890: not globally reachable), whole.
NOT_GLOBAL_IPV4 = (ipaddress.ip_network("192.88.99.0/24"), ipaddress.ip_network("192.0.0.0/24"))
# IPv6 forms that carry an IPv4 address a gateway or tunnel would reach for us.
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix
NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215 local-use prefix
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # RFC 4291, deprecated ::a.b.c.d


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries: IPv4-mapped (``::ffff:a.b.c.d``), 6to4
    (``2002:aabb:ccdd::``), Teredo (its client), NAT64 (``64:ff9b::a.b.c.d``) and IPv4-compatible
    (``::a.b.c.d``) forms; None for any other address."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64 or (address in IPV4_COMPATIBLE and int(address) > 1):  # not :: nor ::1
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_rule(address: IPAddress) -> str | None:
    """Which rule refuses this address (``loopback``, ``private``, ...), or None for a global one.

    One rule for every outbound request a tenant chooses: the address must be global
    (``ipaddress``'s ``is_global``), and so must any IPv4 address embedded in an IPv6 one (a 6to4,
    Teredo or NAT64 gateway would carry the request there); the site-local range, the 6to4
    relay anycast and the IETF protocol assignments are refused by name. Teredo (``2001::/32``)
    and both NAT64 prefixes are not global, so they are refused whatever they carry."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None and (address.ipv4_mapped is not None or address in IPV4_COMPATIBLE):
            return address_rule(inner)  # the same host, written as IPv6
        if inner is not None:
            rule = address_rule(inner)
            if rule is not None:
                return rule
    if address in METADATA_ADDRESSES:
        return "metadata_address"
    checks = (
        ("loopback", address.is_loopback),
        ("link_local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("unspecified", address.is_unspecified),
        ("reserved", address.is_reserved or any(address in n for n in NOT_GLOBAL_IPV4)),
        ("private", address.is_private or address in SHARED_ADDRESS_SPACE),
        ("site_local", isinstance(address, ipaddress.IPv6Address) and address.is_site_local),
        ("private", isinstance(address, ipaddress.IPv6Address) and address in NAT64_LOCAL),
        ("not_global", not address.is_global),
    )
    for rule, hit in checks:
        if hit:
            return rule
    return None


def parse_allowlist(entries: Iterable[str]) -> tuple[IPNetwork, ...]:
    """``127.0.0.1``, ``::1``, ``10.0.0.0/8``; ValueError naming a bad entry."""
    networks = []
    for entry in entries:
        text = entry.strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            message = f"outbound allowlist entry {text[:100]!r} is not an address or network"
            raise ValueError(message) from None
    return tuple(networks)


@dataclass(frozen=True, slots=True)
class Target:
    """A checked URL: where it points and the addresses that passed the check."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class OutboundPolicy:
    """What tenant-chosen URLs may point at. The default is the production one."""

    allow_http: bool = False
    allowlist: tuple[IPNetwork, ...] = ()
    connect_timeout: float = 3.0
    resolver: Resolver = field(default=system_resolver, repr=False, compare=False)

    @classmethod
    def development(
        cls, *entries: str, allow_http: bool = True, resolver: Resolver = system_resolver
    ) -> OutboundPolicy:
        return cls(allow_http=allow_http, allowlist=parse_allowlist(entries), resolver=resolver)

    def describe(self) -> str:
        schemes = "https and http" if self.allow_http else "https only"
        allowed = ", ".join(str(n) for n in self.allowlist) or "none"
        return f"outbound URLs: {schemes}; internal addresses allowed: {allowed}"

    def allowed(self, address: IPAddress) -> bool:
        return any(address.version == n.version and address in n for n in self.allowlist)

    def check(self, url: object) -> Target:
        """The URL's target when every rule holds; OutboundURLError naming the first that does not."""
        if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
            raise OutboundURLError("url", f"give a URL of at most {MAX_URL_LENGTH} characters")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise OutboundURLError("url", "the URL cannot be parsed") from None
        scheme = parts.scheme.lower()
        if scheme != "https" and not (scheme == "http" and self.allow_http):
            allowed = "https (or http, allowed on this server)" if self.allow_http else "https"
            raise OutboundURLError("scheme", f"the URL must use {allowed}, not {scheme or 'nothing'!r}")
        host = (parts.hostname or "").rstrip(".").lower()
        if not host:
            raise OutboundURLError("host", "the URL has no host")
        if parts.username is not None or parts.password is not None:
            raise OutboundURLError("credentials", "the URL must not carry a user name or password")
        if host in METADATA_NAMES or host.endswith(".internal"):
            raise OutboundURLError("metadata_address", f"{host!r} is a cloud metadata name")
        port = port or (443 if scheme == "https" else 80)
        return Target(url, scheme, host, port, self.resolve(host, port))

    def resolve(self, host: str, port: int) -> tuple[str, ...]:
        """The host's addresses, every one checked; any refused address refuses the host."""
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        texts = [str(literal)] if literal is not None else self.resolver(host, port)
        if not texts:
            raise OutboundURLError("unresolvable", f"{host!r} does not resolve to any address")
        for text in texts:
            address = ipaddress.ip_address(text.split("%", 1)[0])
            rule = address_rule(address)
            if rule is not None and not self.allowed(address):
                # The rule, not the address: the answer must not map the server's own network.
                where = "is" if literal is not None else "resolves to"
                raise OutboundURLError(rule, f"{host!r} {where} a {rule.replace('_', ' ')} address")
        return tuple(texts)


def _origin(address: str, port: int, scheme: str) -> str:
    host = f"[{address}]" if ":" in address else address
    return f"{scheme}://{host}:{port}"


class GuardedSender:
    """POSTs to tenant-chosen URLs, connecting only to an address checked at that moment."""

    def __init__(
        self,
        policy: OutboundPolicy,
        *,
        timeout: float = 10.0,
        http: httpx.Client | None = None,
    ) -> None:
        self.policy = policy
        self.http = http or httpx.Client(
            timeout=httpx.Timeout(timeout, connect=policy.connect_timeout),
            follow_redirects=False,
            trust_env=False,  # a proxy would connect for us, to wherever the name points then
        )

    def close(self) -> None:
        self.http.close()

    def post(self, url: str, *, content: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
        """Raises OutboundURLError when the URL (as it resolves now) is refused."""
        target = self.policy.check(url)
        parts = urlsplit(url)
        address = target.addresses[0]
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        name = f"[{target.host}]" if ":" in target.host else target.host
        default_port = 443 if target.scheme == "https" else 80
        host_header = name if target.port == default_port else f"{name}:{target.port}"
        extensions: dict[str, Any] = {}
        if target.scheme == "https":
            extensions["sni_hostname"] = target.host
        request = self.http.build_request(
            "POST",
            _origin(address, target.port, target.scheme) + path,
            content=content,
            headers={**(headers or {}), "Host": host_header},
            extensions=extensions,
        )
        return self.http.send(request, follow_redirects=False)


def describe_error(exc: Exception) -> str:
    """A delivery error for the log a tenant reads: the kind only, never the OS's detail."""
    if isinstance(exc, OutboundURLError):
        return f"refused ({exc.rule}): {exc}"
    return type(exc).__name__
