"""A coarse clock, ticked by the server's housekeeping task (like nginx's cached time).

Per request the edge reads `clock.now` and the ready-made `TAILS` (the Date
header and the end of the head) instead of asking the system and formatting
a date: both change once a tick, not once a request.
"""

from __future__ import annotations

import time
from email.utils import formatdate

# Index into TAILS: how the connection continues after this response.
KEEP, CLOSE, KEEP_10 = 0, 1, 2

now: float = time.monotonic()
TAILS: tuple[bytes, bytes, bytes] = (b"", b"", b"")


def tick() -> None:
    global now, TAILS
    now = time.monotonic()
    date = b"Date: " + formatdate(time.time(), usegmt=True).encode() + b"\r\n"
    # HTTP/1.1 keeps connections open unless told; HTTP/1.0 needs to be told it is.
    TAILS = (date + b"\r\n", date + b"Connection: close\r\n\r\n",
             date + b"Connection: keep-alive\r\n\r\n")


tick()
