"""The connection's side of forwarding: one request at a time to the origin,
answers kept in order with pipelined requests behind it.

While a request is at the origin the connection stops reading (so a client
cannot queue unbounded work behind it); requests already parsed wait in a
backlog, edition answers ready-made, and go out in order when it is done.
"""

from __future__ import annotations

import asyncio
import collections
from typing import TYPE_CHECKING

from altavoz.shield import clock, pages, respond
from altavoz.shield.http import language_of
from altavoz.shield.origin import Forward, OriginDown, OriginFailed, Shed
from altavoz.shield.request import BUSY, IDLE, Request
from altavoz.shield.routes import DEFAULT_LANGUAGES

if TYPE_CHECKING:
    from altavoz.shield.context import EdgeContext
    from altavoz.shield.settings import EdgeSettings

_FORWARD = object()  # marks a forwarded request waiting in the backlog


def writes_down(lang: str) -> bytes:
    return pages.WRITES_DOWN.get(lang) or pages.WRITES_DOWN["en"]


class Forwarding:
    """Mixed into EdgeProtocol; also the origin's Sink (send, drain, gone)."""

    ctx: EdgeContext
    s: EdgeSettings
    transport: asyncio.Transport
    state: int
    deadline: float
    closing: bool
    eof: bool
    busy: bool
    paused_at: float
    backlog: collections.deque[tuple]
    task: asyncio.Task[None] | None
    drained: asyncio.Future[None] | None
    out_bytes: int

    held: bytes

    def _log(self, r: Request, status: int, sent: int) -> None: ...  # protocol.py
    def nets(self, r: Request) -> tuple[str, str]: ...  # protocol.py
    def _continue(self) -> None: ...  # protocol.py

    # --- Sink ---------------------------------------------------------------------------

    def send(self, data: bytes | tuple[bytes, bytes]) -> None:
        if self.transport.is_closing():
            return
        if type(data) is tuple:  # (head, body) of an edition answer
            self.transport.writelines(data)
            size = len(data[0]) + len(data[1])
        else:
            self.transport.write(data)  # type: ignore[arg-type]
            size = len(data)
        self.out_bytes += size
        self.ctx.metrics.bytes_sent += size

    async def drain(self) -> None:
        if self.paused_at and not self.transport.is_closing():
            self.drained = asyncio.get_running_loop().create_future()
            await self.drained

    @property
    def gone(self) -> bool:
        return self.transport.is_closing()

    # --- ordering ---------------------------------------------------------------------------

    def _forward(self, r: Request, close: bool) -> None:
        if self.busy:
            self.backlog.append((_FORWARD, r, close))
            if close:
                self.closing = True
            return
        self.busy = True
        self.state = BUSY
        self.transport.pause_reading()
        self.task = asyncio.get_running_loop().create_task(self._forwarding(r, close))

    async def _forwarding(self, r: Request, close: bool) -> None:
        while True:
            must_close = await self._forward_one(r, close)
            if must_close or close or self.transport.is_closing():
                self.closing = True
                self.transport.close()
                return
            following = None
            while self.backlog:
                item = self.backlog.popleft()
                if item[0] is _FORWARD:
                    following = item
                    break
                data, close, done, status = item
                self.out_bytes = 0
                self.send(data)
                if self.ctx.log is not None:
                    self._log(done, status, self.out_bytes)
                if close:
                    self.transport.close()
                    return
            if following is None:
                break
            _, r, close = following
        self.busy = False
        self.task = None
        self.state = IDLE
        self.deadline = clock.now + self.s.keepalive_timeout
        self._continue()

    async def _forward_one(self, r: Request, close: bool) -> bool:
        """One request to the origin and its answer; True when the connection must end."""
        metrics = self.ctx.metrics
        origin = self.ctx.origin
        assert origin is not None  # without one, the protocol answers at once
        tail = clock.TAILS[clock.CLOSE if close else clock.KEEP_10 if r.http10 else clock.KEEP]
        head_only = r.method == b"HEAD"
        api = r.path.startswith(b"/api/")
        lang = r.lang or language_of(r.path, r.al, DEFAULT_LANGUAGES, DEFAULT_LANGUAGES[0])
        retry = self.s.retry_after
        target = r.path + b"?" + r.query if r.query else r.path
        self.out_bytes = 0
        job = Forward(r.method, target, r.headers, b"".join(r.body or ()), self.nets(r)[1],
                      self.ctx.tls, r.http10, not close, head_only)
        try:
            relayed = await origin.forward(job, self)
        except Shed:
            metrics.shed += 1
            data, status = respond.error(503, tail, head_only, api, lang, retry), 503
        except OriginDown:
            metrics.origin_errors += 1
            data, status = respond.error(503, tail, head_only, api, lang, retry,
                                         writes_down(lang)), 503
        except OriginFailed as exc:
            metrics.origin_errors += 1
            data, status = respond.error(exc.status, tail, head_only, api, lang), exc.status
        except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            metrics.origin_errors += 1  # the answer broke off half-way: end it here
            self.transport.abort()
            return True
        else:
            metrics.forwarded += 1
            if relayed.status >= 500:
                metrics.server_errors += 1
            elif relayed.status >= 400:
                metrics.client_errors += 1
            if self.ctx.log is not None:
                self._log(r, relayed.status, self.out_bytes)
            return relayed.must_close
        metrics.server_errors += 1
        self.send(data)
        if self.ctx.log is not None:
            self._log(r, status, len(data))
        return False
