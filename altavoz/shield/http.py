"""HTTP pieces the edge needs, as small pure functions: content-coding choice,
entity-tag matching, byte ranges, path normalisation, the reader's language.

Everything here runs per request, so the common cases are short-circuited and
parse results for header values that repeat (Accept-Encoding) are memoised.
"""

from __future__ import annotations

import re
import time
from email.utils import formatdate
from urllib.parse import unquote_to_bytes

REASONS = {
    200: "OK", 204: "No Content", 206: "Partial Content", 301: "Moved Permanently",
    302: "Found", 304: "Not Modified", 400: "Bad Request", 404: "Not Found",
    405: "Method Not Allowed", 408: "Request Timeout", 413: "Content Too Large",
    414: "URI Too Long", 416: "Range Not Satisfiable", 429: "Too Many Requests",
    431: "Request Header Fields Too Large", 500: "Internal Server Error",
    501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
    504: "Gateway Timeout", 505: "HTTP Version Not Supported",
}


def status_line(status: int) -> bytes:
    return f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}\r\n".encode()


def http_date(when: float | None = None) -> bytes:
    return formatdate(time.time() if when is None else when, usegmt=True).encode()


# --- Accept-Encoding ----------------------------------------------------------
# The answer is a small code: bit 1 = gzip acceptable, bit 2 = br acceptable,
# 4 = gzip preferred over br by q. Resources keep one variant per code.
IDENTITY, GZIP, BR, BOTH, BOTH_GZIP_FIRST = 0, 1, 2, 3, 7
_ae_cache: dict[bytes, int] = {}
_AE_CACHE_MAX = 512  # distinct values seen in the wild are few; floods just miss


def encoding_code(value: bytes | None) -> int:
    if not value:
        return IDENTITY
    code = _ae_cache.get(value)
    if code is None:
        code = _parse_accept_encoding(value)
        if len(_ae_cache) >= _AE_CACHE_MAX:
            _ae_cache.clear()
        _ae_cache[value] = code
    return code


def _parse_accept_encoding(value: bytes) -> int:
    q: dict[str, float] = {}
    for item in value.decode("latin-1").lower().split(","):
        name, _, params = item.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            key, _, number = param.strip().partition("=")
            if key == "q":
                try:
                    weight = float(number)
                except ValueError:
                    weight = 0.0  # unparseable means not acceptable: fail safe
        q.setdefault(name.strip(), weight)
    star = q.get("*", 0.0)
    gzip_q = q.get("gzip", q.get("x-gzip", star))
    br_q = q.get("br", star)
    code = (GZIP if gzip_q > 0 else 0) | (BR if br_q > 0 else 0)
    # br is smaller, so it wins ties; a client that ranks gzip higher gets gzip.
    if code == BOTH and gzip_q > br_q:
        code = BOTH_GZIP_FIRST
    return code


# --- entity tags ----------------------------------------------------------------


def etag_matches(header: bytes, etag: bytes) -> bool:
    """If-None-Match uses weak comparison: W/"x" matches "x"; "*" matches anything."""
    if header == etag:
        return True
    opaque = etag[2:] if etag.startswith(b"W/") else etag
    for item in header.split(b","):
        item = item.strip()
        if item.startswith(b"W/"):
            item = item[2:]
        if item == opaque or item == b"*":
            return True
    return False


# --- Range ------------------------------------------------------------------------


def parse_range(header: bytes, size: int) -> tuple[int, int] | None | bool:
    """One byte range → (first, last) inclusive; None: ignore the header and send
    everything (malformed, several ranges, not bytes); False: unsatisfiable (416)."""
    unit, _, spec = header.partition(b"=")
    if unit.strip().lower() != b"bytes" or b"," in spec:
        return None  # several ranges: a whole response is allowed and simpler
    first_raw, dash, last_raw = spec.strip().partition(b"-")
    if not dash:
        return None
    first_raw, last_raw = first_raw.strip(), last_raw.strip()
    if not (first_raw.isdigit() or not first_raw) or not (last_raw.isdigit() or not last_raw):
        return None
    if len(first_raw) > 18 or len(last_raw) > 18:
        return None
    if not first_raw:  # suffix: the last N bytes
        if not last_raw:
            return None
        length = int(last_raw)
        if length == 0 or size == 0:
            return False
        return max(0, size - length), size - 1
    first = int(first_raw)
    last = int(last_raw) if last_raw else None
    if last is not None and last < first:
        return None  # invalid: ignored, as RFC 9110 14.1.1 allows
    if first >= size:
        return False
    return first, size - 1 if last is None else min(last, size - 1)


# --- paths ------------------------------------------------------------------------


class BadPath(ValueError):
    pass


_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]")


def split_target(target: bytes) -> tuple[bytes, bytes]:
    """Request target → (path, query). Absolute-form ('http://host/p?q') is
    accepted as RFC 9112 requires of servers."""
    if not target.startswith(b"/"):
        if target[:7].lower() == b"http://" or target[:8].lower() == b"https://":
            rest = target.split(b"//", 1)[1]
            slash = rest.find(b"/")
            target = rest[slash:] if slash >= 0 else b"/"
        else:
            raise BadPath("request target is not a path")
    path, _, query = target.partition(b"?")
    if b"#" in path:  # a fragment is never sent by browsers; tools may
        path = path.split(b"#", 1)[0]
    return path, query


def normalise(path: bytes) -> str:
    """Percent-decode and check a path. '..' and '.' segments, NUL and control
    characters, backslashes and invalid UTF-8 are refused, not resolved: browsers
    resolve dot-segments before sending, so only tools and probes send them."""
    raw = unquote_to_bytes(path) if b"%" in path else path
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadPath("path is not UTF-8") from exc
    if _UNSAFE.search(text):
        raise BadPath("control character or backslash in path")
    for segment in text.split("/"):
        if segment in (".", ".."):
            raise BadPath("dot segment in path")
    return text


# --- language -----------------------------------------------------------------------


def language_of(path: str | bytes, accept_language: bytes | None,
                languages: tuple[str, ...], default: str) -> str:
    """The reader's language: the path prefix (/es/…) first, then Accept-Language."""
    if isinstance(path, bytes):
        path = path.decode("latin-1")
    first = path[1:].split("/", 1)[0]
    if first in languages:
        return first
    if accept_language:
        best, best_q = default, -1.0
        for item in accept_language.decode("latin-1").split(",")[:16]:
            tag, _, params = item.strip().partition(";")
            primary = tag.strip().lower().split("-", 1)[0]
            if primary not in languages:
                continue
            weight = 1.0
            params = params.strip()
            if params.startswith("q="):
                try:
                    weight = float(params[2:])
                except ValueError:
                    continue
            if weight > best_q and weight > 0:
                best, best_q = primary, weight
        return best
    return default
