"""Client addresses: who is asking, and the truncated forms that may leave memory.

The raw address lives only in memory, for the length of a connection (and, in
the next milestone, in rate-limit state). What is written (access log) or sent
on (to the origin) is a network: /24 or /48 in logs, /24 or /64 to the origin.
A forwarded-for address is believed only from a configured trusted proxy.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from altavoz.shield.settings import Network

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=4096)
def parse(raw: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(raw.split("%", 1)[0])
    except ValueError:
        return None
    # An IPv4 client seen through a dual-stack socket is still an IPv4 client.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


@lru_cache(maxsize=65536)
def network(raw: str, v4_bits: int, v6_bits: int) -> str:
    """'203.0.113.9' → '203.0.113.0/24'; unparseable → 'unknown' (never the raw text)."""
    address = parse(raw)
    if address is None:
        return "unknown"
    bits = v4_bits if address.version == 4 else v6_bits
    return str(ipaddress.ip_network(f"{address}/{bits}", strict=False))


def log_network(raw: str) -> str:
    """The form the access log keeps: /24 for IPv4, /48 for IPv6 (PRIVACY.md)."""
    return network(raw, 24, 48)


def origin_network(raw: str) -> str:
    """The form the origin receives (X-Altavoz-Client-Net): /24, or /64 (one IPv6 home)."""
    return network(raw, 24, 64)


def is_trusted(raw: str, proxies: tuple[Network, ...]) -> bool:
    if not proxies:
        return False
    address = parse(raw)
    return address is not None and any(address in net for net in proxies)


def from_forwarded_for(values: list[bytes], peer: str, proxies: tuple[Network, ...]) -> str:
    """The client behind a chain of trusted proxies: the rightmost X-Forwarded-For
    entry that is not itself a trusted proxy. Entries to its left were written by
    the client and could say anything."""
    chain = [item.strip() for value in values for item in value.decode("latin-1").split(",")]
    for item in reversed(chain):
        if not item:
            continue
        if item.startswith("[") and "]" in item:
            item = item[1:item.index("]")]
        elif item.count(":") == 1:  # "1.2.3.4:5678"
            item = item.split(":", 1)[0]
        if parse(item) is None:
            return peer  # garbage in the chain: fall back to what we know
        if not is_trusted(item, proxies):
            return item
    return peer


class ProxyHeaderError(ValueError):
    pass


PROXY_V1_MAX = 107  # the longest valid line, CRLF included (haproxy's spec)


def parse_proxy_v1(line: bytes) -> str | None:
    """'PROXY TCP4 src dst sport dport' → src; 'PROXY UNKNOWN …' → None (use the peer)."""
    parts = line.rstrip(b"\r\n").split(b" ")
    if parts[0] != b"PROXY" or len(parts) < 2:
        raise ProxyHeaderError("not a PROXY v1 line")
    if parts[1] == b"UNKNOWN":
        return None
    if parts[1] not in (b"TCP4", b"TCP6") or len(parts) != 6:
        raise ProxyHeaderError("malformed PROXY v1 line")
    source = parts[2].decode("ascii", "replace")
    address = parse(source)
    if address is None or address.version != (4 if parts[1] == b"TCP4" else 6):
        raise ProxyHeaderError("bad source address in PROXY line")
    return str(address)
