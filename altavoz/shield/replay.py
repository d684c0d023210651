"""Answers to requests seen before, byte for byte.

An edition answer depends only on the request's bytes and on the edition (the
Date header and the connection's keep-alive are added per response). So when a
read holds exactly the bytes of a request already parsed and answered from this
same edition, the answer is known: no parsing, no routing, one dict lookup.

That is what the plainest layer-7 flood looks like (one request, repeated from
many addresses), and what a returning reader's browser sends for a page it
revalidates. Only the simplest shape is remembered: a whole request alone in one
read, ending with its head, without a body, answered from the edition on a
connection that is not a trusted proxy's (whose requests carry per-client
headers). Anything else takes the normal path, which is also what fills this.
And only a read that begins a request is looked up: after the first byte of a
request (protocol.on_message_begin), until its end, every byte goes on it.

A replayed request is a read like any other: it spends its client's read budget
(limits.py) before it is answered. One over budget takes the normal path, which
answers 429 without spending again.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, NamedTuple

from altavoz.shield import clock
from altavoz.shield.edition import Edition
from altavoz.shield.limits import READ
from altavoz.shield.request import IDLE

if TYPE_CHECKING:
    from altavoz.shield.context import EdgeContext
    from altavoz.shield.limits import Limiter
    from altavoz.shield.request import Request
    from altavoz.shield.settings import EdgeSettings


class Answer(NamedTuple):
    edition: Edition
    head: bytes  # without the Date line and the end of the head
    body: bytes | None  # None for HEAD and 304
    status: int
    method: str
    path: str
    http10: bool
    keep: bool


class Replay:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        # Read directly by the protocol (one dict lookup per read); an answer counts
        # only if its edition is the one being served.
        self.answers: dict[bytes, Answer] = {}

    def put(self, data: bytes, answer: Answer) -> None:
        if len(self.answers) >= self.limit:
            # Forget everything at once: cheaper than LRU bookkeeping on every hit,
            # and a flood of distinct requests only ever costs a refill.
            self.answers.clear()
        self.answers[data] = answer


class Replaying:
    """The protocol's side: remember an answer, give a remembered one. Mixed into
    protocol.EdgeProtocol, whose data_received looks reads up in `replay.answers`."""

    ctx: EdgeContext
    s: EdgeSettings
    transport: asyncio.Transport
    replay: Replay | None
    candidate: tuple | None
    r: Request
    requests: int
    eof: bool
    closing: bool
    state: int
    deadline: float
    keepalive_timeout: float
    limiter: Limiter
    _keys: tuple[int, int] | tuple[()] | None

    def nets(self, r: Request) -> tuple[str, str]: ...  # connection.py
    def limit_keys(self, r: Request) -> tuple[int, int] | tuple[()]: ...  # connection.py

    def _replay_allowed(self) -> bool:
        """Spend a read for the remembered answer; refused, the request is parsed and
        answered 429 (self.r, the request about to be parsed, carries the wait)."""
        keys = self._keys
        if keys is None:
            keys = self.limit_keys(self.r)
        if not keys:
            return True
        wait = self.limiter.take(keys[0], keys[1], READ)
        if wait:
            self.r.retry = wait
            return False
        return True

    def _remember(self, data: bytes) -> None:
        """The read was exactly one request, answered from the edition: keep the
        answer for the next identical read (replay.py)."""
        head, body, status, r = self.candidate  # type: ignore[misc]
        edition = self.ctx.loader.edition
        # Not with Expect: parsed, it gets a 100 Continue first, which a replay leaves out.
        if edition is not None and r.keep and r.cl is None and r.te is None and not r.expect:
            self.replay.put(data, Answer(  # type: ignore[union-attr]
                edition, head, body, status, r.method.decode("latin-1"),
                r.path.decode("latin-1"), r.http10, r.keep))

    def _replay(self, answer: Answer) -> None:
        """Answer a read the replay cache knows: what parsing it would have done."""
        log = self.ctx.log
        started = time.perf_counter_ns() if log is not None else 0
        _edition, head, body, status, method, path, http10, keep = answer
        self.requests += 1
        close = not keep or self.requests >= self.s.max_requests_per_connection or self.eof
        tail = clock.TAILS[clock.CLOSE if close else clock.KEEP_10 if http10 else clock.KEEP]
        metrics = self.ctx.metrics
        if body is None:
            data = head + tail
            self.transport.write(data)
            size = len(data)
        else:
            self.transport.writelines((head + tail, body))
            size = len(head) + len(tail) + len(body)
        metrics.bytes_sent += size
        metrics.replayed += 1
        if status == 304:
            metrics.not_modified += 1
        else:
            metrics.edition += 1
        if log is not None:
            log.record(self.nets(self.r)[0], method, path, status, size,
                       (time.perf_counter_ns() - started) // 1000, _edition.id[:12])
        if close:
            self.closing = True
            self.transport.close()
        else:
            self.state = IDLE
            self.deadline = clock.now + self.keepalive_timeout
