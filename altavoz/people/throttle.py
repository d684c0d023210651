"""Throttling of password and code attempts, in Django's cache (memory) only.

A bucket counts failures for one username, one client network or one user's
codes. After settings.ALTAVOZ_LOGIN_ATTEMPTS failures within
settings.ALTAVOZ_LOGIN_WINDOW seconds the bucket refuses until the window ends.

Client buckets are keyed on an HMAC of the address's network (/24 for IPv4,
/64 for IPv6), never on the address itself: no raw IP is kept anywhere, not
even in memory (DESIGN.md, principle 5). The network, not the address, because
one attacker usually holds a whole /64 and rotating within it must not help.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

_PREFIX = "altavoz:throttle"
# Usernames longer than the model allows cannot log in; hashing a bounded
# prefix keeps a megabyte of garbage from costing more than a short name.
_MAX_NAME = 200


@dataclass(frozen=True)
class Bucket:
    scope: str
    digest: str

    @property
    def count_key(self) -> str:
        return f"{_PREFIX}:{self.scope}:{self.digest}:n"

    @property
    def since_key(self) -> str:
        return f"{_PREFIX}:{self.scope}:{self.digest}:t"


def _digest(scope: str, value: str) -> str:
    # salted_hmac keys the HMAC with SECRET_KEY; without it the digest of a
    # /24 could be reversed by trying all 2**24 networks.
    mac = salted_hmac(f"altavoz.people.throttle.{scope}", value, algorithm="sha256")
    return mac.hexdigest()[:32]


def client_network(address: str) -> str:
    """The /24 (IPv4) or /64 (IPv6) holding an address, or "unknown"."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 64
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def client_address(request: HttpRequest) -> str:
    """The peer address as Django sees it: behind the edge, the edge's."""
    return str(request.META.get("REMOTE_ADDR", ""))


def request_network(request: HttpRequest) -> str:
    """The reader's network. Behind the edge every request comes from the edge,
    which names the reader's /24 or /64 in X-Altavoz-Client-Net (never the
    address); believed only from ALTAVOZ_EDGE_ADDRESSES, since anyone else
    could send it to spread their attempts over invented networks."""
    peer = client_address(request)
    named = request.META.get("HTTP_X_ALTAVOZ_CLIENT_NET")
    if named and peer in settings.ALTAVOZ_EDGE_ADDRESSES:
        try:
            network = ipaddress.ip_network(named.strip(), strict=True)
        except ValueError:
            return "unknown"
        if network.prefixlen in {24, 64}:
            return str(network)
        return "unknown"
    return client_network(peer)


def client_bucket(request: HttpRequest) -> Bucket:
    return Bucket("client", _digest("client", request_network(request)))


def username_bucket(username: str) -> Bucket:
    # Case-folded: "Ana" and "ana" must share one counter.
    return Bucket("username", _digest("username", username.strip()[:_MAX_NAME].casefold()))


def code_bucket(user_pk: int) -> Bucket:
    return Bucket("code", _digest("code", str(user_pk)))


def retry_after(buckets: Iterable[Bucket]) -> int:
    """Seconds until every bucket accepts attempts again; 0 when they all do."""
    limit = settings.ALTAVOZ_LOGIN_ATTEMPTS
    window = settings.ALTAVOZ_LOGIN_WINDOW
    now = time.time()
    wait = 0
    for bucket in buckets:
        if (cache.get(bucket.count_key) or 0) < limit:
            continue
        since = cache.get(bucket.since_key) or now
        wait = max(wait, math.ceil(since + window - now), 1)
    return wait


def record_failure(buckets: Iterable[Bucket]) -> None:
    window = settings.ALTAVOZ_LOGIN_WINDOW
    now = time.time()
    for bucket in buckets:
        # add() only writes when absent, so the window starts at the first failure.
        cache.add(bucket.since_key, now, window)
        if cache.add(bucket.count_key, 1, window):
            continue
        try:
            cache.incr(bucket.count_key)  # atomic in LocMem and Redis
        except ValueError:  # expired between add() and incr()
            cache.set(bucket.count_key, 1, window)


def reset(bucket: Bucket) -> None:
    cache.delete_many([bucket.count_key, bucket.since_key])
