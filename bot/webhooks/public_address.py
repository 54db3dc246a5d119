"""Whether an address is out on the internet, including the IPv4 address an IPv6 one may carry.

`ipaddress`'s `is_global` judges an IPv6 address by its own range only: NAT64 (`64:ff9b::7f00:1`),
IPv4-compatible (`::7f00:1`) and 6to4 (`2002:7f00:1::`) addresses count as global although a
translator or tunnel delivers them to the IPv4 address inside, which may be the bot's own network.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network

_IPV4_COMPATIBLE = ip_network("::/96")
_NAT64_WELL_KNOWN = ip_network("64:ff9b::/96")
# RFC 8215's local-use NAT64 prefix is not globally reachable (IANA), which Python 3.11 doesn't know.
_NAT64_LOCAL = ip_network("64:ff9b:1::/48")


def is_public(address: str) -> bool:
    """Whether `address` (IPv4 or IPv6 text) and any IPv4 address embedded in it are global."""
    parsed = ip_address(address)
    if not parsed.is_global:
        return False
    if isinstance(parsed, IPv4Address):
        return True
    return parsed not in _NAT64_LOCAL and all(inner.is_global for inner in _embedded_ipv4(parsed))


def _embedded_ipv4(address: IPv6Address) -> list[IPv4Address]:
    """The IPv4 addresses `address` stands for: mapped, compatible, 6to4, well-known NAT64 prefix."""
    value = int(address)
    found = [inner for inner in (address.ipv4_mapped, address.sixtofour) if inner is not None]
    if address in _IPV4_COMPATIBLE or address in _NAT64_WELL_KNOWN:
        found.append(IPv4Address(value & 0xFFFFFFFF))
    return found
