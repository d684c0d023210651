"""The challenge's signed tokens: proof-of-work challenges, wait tokens and the
clearance cookie. Stateless: the edge remembers nothing between issuing a
token and seeing it back; an HMAC-SHA256 under the edge's key
(home.edge_key) says it made it.

Every token is bound to the client's network (/24, or /64 for IPv6: the
prefix the origin also sees) and to a time, so a token that leaks works only
from the same network and only for a while; replaying one within that window
gains nothing its holder did not already earn. Verifying costs one HMAC (and,
for a proof of work, one SHA-256): constant, whatever a client sends, since
anything longer than a token can be is refused before hashing.

Formats (ASCII, dot-separated, MAC = first 16 bytes of HMAC-SHA256, base64url):
  challenge  <issued>.<bits>.<mac>    the client finds n: SHA-256(challenge ‖ n)
                                      starts with <bits> zero bits
  wait       <issued>.<seconds>.<mac> valid from issued + seconds
  clearance  <expires>.<mac>          the cookie; the MAC covers the User-Agent too
Times are whole Unix seconds (wall clock, so every edge sharing the key agrees).
"""

from __future__ import annotations

import hashlib
import hmac
import math
from binascii import b2a_base64

_MAC_BYTES = 16  # 128 bits: forging one is out of reach; the token stays short
_MAC_CHARS = 22  # base64url of 16 bytes, unpadded
_URLSAFE = bytes.maketrans(b"+/", b"-_")
TOKEN_MAX = 40  # the worker hashes token ‖ n in one 64-byte SHA-256 block
COUNTER_MAX = 15  # decimal digits of n: far more tries than any difficulty needs
UA_MAX = 512  # bytes of the User-Agent the cookie is bound to
MAX_BITS = 32


class Refused(ValueError):
    """A token that is malformed, forged, for another network or out of its time."""


class Key:
    """The edge's HMAC-SHA256 key (home.edge_key), with its padded inner and outer
    hash states made once (RFC 2104): a MAC then costs two hash copies, a third of
    what hmac.digest costs, which sets up the key again on every call."""

    __slots__ = ("_inner", "_outer")

    def __init__(self, secret: bytes) -> None:
        if len(secret) > 64:
            secret = hashlib.sha256(secret).digest()
        padded = secret.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in padded))
        self._outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in padded))

    def mac(self, *parts: bytes) -> bytes:
        """HMAC-SHA256 of the parts joined by NUL, cut to 16 bytes, in base64url."""
        inner = self._inner.copy()
        inner.update(b"\0".join(parts))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return b2a_base64(outer.digest()[:_MAC_BYTES], newline=False)[:_MAC_CHARS].translate(
            _URLSAFE)


def _split(token: bytes, fields: int, limit: int = TOKEN_MAX) -> list[bytes]:
    if len(token) > limit:
        raise Refused("token too long")
    parts = token.split(b".")
    if len(parts) != fields or not all(part.isdigit() and len(part) <= 12
                                       for part in parts[:-1]):
        raise Refused("malformed token")
    if len(parts[-1]) != _MAC_CHARS:
        raise Refused("malformed token")
    return parts


def _check(key: Key, mac: bytes, *parts: bytes) -> None:
    if not hmac.compare_digest(key.mac(*parts), mac):
        raise Refused("not signed by this edge, or for another network")


# --- proof of work ----------------------------------------------------------------


def challenge(key: Key, prefix: str, bits: int, now: float) -> bytes:
    issued, level = str(int(now)).encode(), str(bits).encode()
    return issued + b"." + level + b"." + key.mac(b"pow", prefix.encode(), issued, level)


def leading_zero_bits(digest: bytes, bits: int) -> bool:
    return int.from_bytes(digest[:8], "big") >> (64 - bits) == 0


def check_work(key: Key, prefix: str, token: bytes, counter: bytes, now: float,
               ttl: float) -> None:
    """Raises Refused unless `counter` solves `token`, issued to `prefix` at most
    `ttl` seconds ago."""
    issued, bits, mac = _split(token, 3)
    if not (counter.isdigit() and len(counter) <= COUNTER_MAX):
        raise Refused("malformed answer")
    level = int(bits)
    if not 1 <= level <= MAX_BITS:
        raise Refused("malformed token")
    _check(key, mac, b"pow", prefix.encode(), issued, bits)
    if not int(issued) <= now + 1 or now > int(issued) + ttl:
        raise Refused("challenge expired")
    if not leading_zero_bits(hashlib.sha256(token + counter).digest(), level):
        raise Refused("wrong answer")


def solve(token: bytes) -> bytes:
    """The counter a client would find (for tests and benchmarks: the edge never solves)."""
    bits = int(token.split(b".")[1])
    n = 0
    while not leading_zero_bits(hashlib.sha256(token + str(n).encode()).digest(), bits):
        n += 1
    return str(n).encode()


# --- waiting ----------------------------------------------------------------------------


def wait_token(key: Key, prefix: str, seconds: int, now: float) -> bytes:
    issued, wait = str(int(now)).encode(), str(seconds).encode()
    return issued + b"." + wait + b"." + key.mac(b"wait", prefix.encode(), issued, wait)


def wait_left(key: Key, prefix: str, token: bytes, now: float, ttl: float) -> int:
    """Whole seconds still to wait (0: the token is good now). Raises Refused for a
    forged, foreign or expired token."""
    issued, wait, mac = _split(token, 3)
    _check(key, mac, b"wait", prefix.encode(), issued, wait)
    ready = int(issued) + int(wait)
    if now > ready + ttl or int(issued) > now + 1:
        raise Refused("wait token expired")
    return math.ceil(ready - now) if now < ready else 0


# --- the clearance cookie --------------------------------------------------------------


def clearance(key: Key, prefix: str, user_agent: bytes, lifetime: int, now: float) -> bytes:
    expires = str(int(now) + lifetime).encode()
    return expires + b"." + key.mac(b"pass", prefix.encode(), expires,
                                 user_agent[:UA_MAX])


def cleared(key: Key, prefix: str, user_agent: bytes, value: bytes, now: float) -> bool:
    """True for a cookie this edge key made for this network and User-Agent, unexpired.
    Checked on every request of a cleared reader under attack, so written out flat."""
    expires, dot, mac = value.partition(b".")
    if not (dot and expires.isdigit() and len(expires) <= 12 and len(mac) == _MAC_CHARS):
        return False
    return now < int(expires) and hmac.compare_digest(
        key.mac(b"pass", prefix.encode(), expires, user_agent[:UA_MAX]), mac)


def cookie_value(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    """The named cookie from the request's Cookie headers (there may be several)."""
    for header, value in headers:
        if len(header) == 6 and header.lower() == b"cookie":
            for item in value.split(b";"):
                key, sep, found = item.strip().partition(b"=")
                if sep and key == name:
                    return found.strip().strip(b'"')
    return None


def header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes:
    """One header's value ('' when absent), by lowercase name."""
    for key, value in headers:
        if len(key) == len(name) and key.lower() == name:
            return value
    return b""
