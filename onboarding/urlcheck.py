"""Partner webhook addresses may only reach the public internet, over https.

`check_url` resolves the host and checks every address it resolves to: a private,
loopback, link-local (169.254.169.254, the cloud metadata service), multicast, reserved,
shared (100.64/10) or unspecified address is refused, also when hidden inside an IPv6
form (IPv4-mapped, 6to4, Teredo, NAT64). It runs when an administrator saves the address
and again before every delivery, since DNS can change in between.

`ONBOARDING_WEBHOOK_ALLOW_PRIVATE`, which only code can set (the test suite, for its local
receivers; no environment variable reads it), lets http and local receivers through.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from flask import current_app, has_app_context

NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeURL(ValueError):
    """A webhook address the portal will not call. `kind`: scheme, unresolved, private."""

    def __init__(self, kind: str, message: str):
        self.kind = kind
        super().__init__(message)


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (replaceable in tests)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


def allow_private() -> bool:
    return has_app_context() and bool(current_app.config.get("ONBOARDING_WEBHOOK_ALLOW_PRIVATE"))


def public(address: IPAddress) -> bool:
    """Whether `address`, and any IPv4 address it carries, is a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = [address.ipv4_mapped, address.sixtofour]
        if address.teredo:
            embedded.extend(address.teredo)
        if address in NAT64:
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if not all(public(inner) for inner in embedded if inner is not None):
            return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def check_url(url: str) -> None:
    """Raise UnsafeURL unless `url` is https to a host whose every address is public."""
    try:
        parts = urlsplit(url or "")
        host, port = parts.hostname, parts.port
    except ValueError:
        raise UnsafeURL("scheme", "not a valid web address") from None
    lenient = allow_private()
    if parts.scheme not in (("http", "https") if lenient else ("https",)) or not host:
        raise UnsafeURL("scheme", "only https:// addresses are allowed")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL("scheme", "an address may not carry a user name or password")
    if lenient:
        return
    try:
        addresses = resolve(host, port or 443)
    except (OSError, UnicodeError) as error:
        raise UnsafeURL("unresolved", f"{host} cannot be resolved: {error}") from None
    if not addresses:
        raise UnsafeURL("unresolved", f"{host} cannot be resolved")
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if not public(address):
            raise UnsafeURL("private", f"{host} resolves to {address}, which is not public")
