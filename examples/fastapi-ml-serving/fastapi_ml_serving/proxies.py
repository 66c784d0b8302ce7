"""Who sent a request that came through reverse proxies: FORWARDED_ALLOW_IPS says whom to believe.

A proxy appends the address it received a request from to X-Forwarded-For. Reading that header
right to left, every address that belongs to a trusted proxy is a hop; the first one that does
not is the client. Everything left of it was written by the client itself and proves nothing,
so rotating it cannot pick a new rate-limit key. With no trusted proxy (the default), the client
is the TCP peer and X-Forwarded-For is ignored.
"""

import ipaddress
from collections.abc import Sequence


def parse_networks(
    entries: Sequence[str],
) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """FORWARDED_ALLOW_IPS entries (addresses or CIDR blocks) as networks; ValueError otherwise."""
    return [ipaddress.ip_network(entry, strict=False) for entry in entries]


class TrustedProxies:
    """The reverse proxies whose X-Forwarded-* headers are believed."""

    def __init__(self, entries: Sequence[str]) -> None:
        self.networks = parse_networks(entries)

    def __bool__(self) -> bool:
        return bool(self.networks)

    def trusts(self, address: str) -> bool:
        """Whether `address` is one of the trusted proxies."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def client(self, peer: str, forwarded_for: str | None) -> str:
        """The client's address: the peer, or the last X-Forwarded-For hop no proxy of ours is."""
        if not forwarded_for or not self.trusts(peer):
            return peer
        hops = [hop.strip() for hop in forwarded_for.split(",")]
        for hop in reversed(hops):
            if not self.trusts(hop):
                return hop
        # Every hop is a proxy of ours: the request started inside; the first hop is the client.
        return hops[0] or peer
