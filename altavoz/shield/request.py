"""One request's state, as the parser callbacks fill it in."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from altavoz.shield.edition import Resource

# Connection states, each with its own deadline (connection.check enforces them).
WAIT, HEAD, BODY, IDLE, BUSY = range(5)
# What a parsed request becomes (routes.route decides).
SERVE, FORWARD, REDIRECT, NOT_FOUND, NOT_ALLOWED, HEALTHZ, NO_EDITION = range(7)
CHALLENGE = 20  # challenge.py answers: its page, script, worker and clearance endpoint
LIMITED = 21  # refused by a rate limit (limits.py): 429 with Retry-After


class Request:
    """Defaults live on the class, so a new request costs an almost empty object;
    only what a request actually carries gets set on it."""

    url = b""
    path = b"/"
    query = b""
    method = b"GET"
    host = 0
    first_start = first_end = 0  # where the chunk the request began in starts and ends
    ae: bytes | None = None  # Accept-Encoding
    inm: bytes | None = None  # If-None-Match (several headers joined by commas)
    rng: bytes | None = None  # Range
    if_range: bytes | None = None
    te: bytes | None = None  # Transfer-Encoding
    cl: bytes | None = None  # Content-Length
    al: bytes | None = None  # Accept-Language
    xff: list[bytes] | None = None  # X-Forwarded-For, kept only from trusted proxies
    expect = http10 = False
    keep = True
    body: list[bytes] | None = None  # collected only for requests going to the origin
    body_size = 0
    action = SERVE
    res: Resource | None = None
    location = b""  # a redirect's Location, or a whole redirect head from the manifest
    lang: str | None = None
    retry = 0  # seconds to wait, once a rate limit refused the request
    # A search the edition's index answers (routes.route sets True; search.py then
    # holds its parsed form here). Still a FORWARD to the budgets and the challenge.
    search: object = False

    def __init__(self) -> None:
        self.headers: list[tuple[bytes, bytes]] = []
        self.start = time.perf_counter_ns()
