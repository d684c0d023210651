"""Forwarding dynamic requests to the origin, with the origin's capacity as a budget.

- Bounded concurrency: at most `origin_concurrency` requests at the origin.
  Beyond that a bounded queue (`origin_queue`) waits at most
  `origin_queue_timeout`; beyond the queue, or past the wait, the answer is an
  immediate 503 with Retry-After. Under a POST flood the origin works at its
  capacity and everything else is refused quickly, instead of every request
  waiting in line until all time out.
- Request bodies arrive here whole (the protocol buffers them, bounded by
  `max_body_bytes`), so a slow uploader never holds an origin slot; response
  bodies are streamed back with the client's own flow control.
- The origin learns the client's network (X-Altavoz-Client-Net: /24 or /64),
  never its address. Client-sent forwarding headers are dropped: only the edge
  speaks for the client.
- Unreachable origin: writes get a 503 page in the reader's language; for
  `origin_probe_interval` after a failed connection, requests fail at once
  instead of each waiting for a connect timeout.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Protocol

from altavoz.shield import clock
from altavoz.shield.http import REASONS
from altavoz.shield.settings import EdgeSettings

log = logging.getLogger("altavoz.shield")

# Hop-by-hop headers (RFC 9110 7.6.1) and headers only the edge may set.
_HOP = {b"connection", b"keep-alive", b"proxy-connection", b"proxy-authenticate",
        b"proxy-authorization", b"te", b"trailer", b"transfer-encoding", b"upgrade",
        b"content-length"}
_EDGE_ONLY = {b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host", b"x-real-ip",
              b"forwarded", b"x-altavoz-client-net", b"expect"}
CLIENT_NET_HEADER = b"X-Altavoz-Client-Net"


class Shed(Exception):
    """No origin slot within the queue's bounds: answer 503 now."""


class OriginDown(Exception):
    """The origin cannot be reached."""


class OriginFailed(Exception):
    """The origin was reached but did not answer properly (status: 502 or 504)."""

    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status = status


@dataclass
class Forward:
    """A request to pass on, its body already read."""

    method: bytes
    target: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes
    client_net: str
    tls: bool
    http10: bool
    keep: bool  # the client wants the connection kept open
    head_only: bool


class Sink(Protocol):
    """Where the response goes (the client connection)."""

    def send(self, data: bytes) -> None: ...
    async def drain(self) -> None: ...
    @property
    def gone(self) -> bool: ...


@dataclass
class Relayed:
    status: int
    sent: int
    must_close: bool


class Origin:
    def __init__(self, settings: EdgeSettings) -> None:
        assert settings.origin is not None
        self.address = settings.origin
        self.s = settings
        self.active = 0
        self.waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self.down_until = 0.0
        # Answer heads received, and the seconds they took from an origin slot (detector.py).
        self.answers = 0
        self.answer_seconds = 0.0

    @property
    def queued(self) -> int:
        return len(self.waiters)

    # --- the budget -------------------------------------------------------------------

    async def _acquire(self) -> None:
        if self.active < self.s.origin_concurrency and not self.waiters:
            self.active += 1
            return
        if len(self.waiters) >= self.s.origin_queue:
            raise Shed
        waiter = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        try:
            async with asyncio.timeout(self.s.origin_queue_timeout):
                await waiter
        except BaseException as exc:  # timed out, or the client went away
            if waiter.done() and not waiter.cancelled():
                self._release()  # the slot was handed over just as we gave up: pass it on
            else:
                waiter.cancel()
                with contextlib.suppress(ValueError):
                    self.waiters.remove(waiter)
            if isinstance(exc, TimeoutError):
                raise Shed from None
            raise

    def _release(self) -> None:
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot passes on; `active` is unchanged
                return
        self.active -= 1

    # --- one request ------------------------------------------------------------------

    async def forward(self, job: Forward, sink: Sink) -> Relayed:
        """Pass `job` on and stream the answer to `sink`. Raises Shed, OriginDown or
        OriginFailed before anything was sent; after that, problems end the connection."""
        if clock.now < self.down_until:
            raise OriginDown("origin marked down")
        await self._acquire()
        try:
            return await self._exchange(job, sink, time.monotonic())
        finally:
            self._release()

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        limit = self.s.origin_max_header_bytes
        try:
            if self.address.unix:
                opening = asyncio.open_unix_connection(self.address.unix, limit=limit)
            else:
                opening = asyncio.open_connection(self.address.host, self.address.port,
                                                  limit=limit)
            return await asyncio.wait_for(opening, self.s.origin_connect_timeout)
        except (OSError, TimeoutError) as exc:
            self.down_until = clock.now + self.s.origin_probe_interval
            raise OriginDown(str(exc) or type(exc).__name__) from exc

    def _request_head(self, job: Forward) -> bytes:
        lines = [job.method + b" " + job.target + b" HTTP/1.1\r\n"]
        dropped = {b"connection"}
        for name, value in job.headers:
            if name.lower() == b"connection":
                # Headers the client names in Connection are hop-by-hop too.
                dropped.update(v.strip().lower() for v in value.split(b","))
        for name, value in job.headers:
            lower = name.lower()
            if lower in _HOP or lower in _EDGE_ONLY or lower in dropped:
                continue
            lines.append(name + b": " + value + b"\r\n")
        lines.append(CLIENT_NET_HEADER + b": " + job.client_net.encode() + b"\r\n")
        lines.append(b"X-Forwarded-Proto: " + (b"https" if job.tls else b"http") + b"\r\n")
        if job.body or job.method in (b"POST", b"PUT", b"PATCH"):
            lines.append(b"Content-Length: " + str(len(job.body)).encode() + b"\r\n")
        lines.append(b"Connection: close\r\n\r\n")
        return b"".join(lines)

    async def _exchange(self, job: Forward, sink: Sink, started: float) -> Relayed:
        reader, writer = await self._open()
        try:
            writer.write(self._request_head(job))
            if job.body:
                writer.write(job.body)
            for _ in range(8):  # interim 1xx answers are skipped (a few at most)
                try:
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"),
                                                  self.s.origin_timeout)
                except TimeoutError as exc:
                    raise OriginFailed(504, "no answer in time") from exc
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                        OSError) as exc:
                    raise OriginFailed(502, f"bad answer: {type(exc).__name__}") from exc
                status, headers = _parse_head(head)
                if status >= 200:
                    self.answers += 1
                    self.answer_seconds += time.monotonic() - started
                    return await self._relay(job, status, headers, reader, sink)
            raise OriginFailed(502, "too many interim answers")
        finally:
            writer.transport.abort()

    async def _relay(self, job: Forward, status: int, headers: list[tuple[bytes, bytes]],
                     reader: asyncio.StreamReader, sink: Sink) -> Relayed:
        length: int | None = None
        chunked = False
        out = [b"HTTP/1.1 " + str(status).encode() + b" " + _reason(status) + b"\r\n"]
        has_date = False
        for name, value in headers:
            lower = name.lower()
            if lower == b"content-length":
                if length is not None or not value.strip().isdigit():
                    raise OriginFailed(502, "bad Content-Length from origin")
                length = int(value)
            elif lower == b"transfer-encoding":
                chunked = value.strip().lower() == b"chunked"
                if not chunked:
                    raise OriginFailed(502, "unsupported Transfer-Encoding from origin")
            elif lower in _HOP:
                continue
            else:
                has_date = has_date or lower == b"date"
                out.append(name + b": " + value + b"\r\n")
        no_body = job.head_only or status in (204, 304) or 100 <= status < 200
        must_close = not job.keep
        if no_body:
            if length is not None:
                out.append(b"Content-Length: " + str(length).encode() + b"\r\n")
        elif length is not None:
            out.append(b"Content-Length: " + str(length).encode() + b"\r\n")
        elif not job.http10:
            out.append(b"Transfer-Encoding: chunked\r\n")
        else:
            must_close = True  # an HTTP/1.0 client learns the end from the close
        tail = clock.TAILS[clock.CLOSE if must_close else
                           clock.KEEP_10 if job.http10 else clock.KEEP]
        if has_date:
            tail = tail[tail.index(b"\r\n") + 2:]  # keep the origin's Date
        sink.send(b"".join(out) + tail)
        sent = 0
        if not no_body:
            reframe = length is None and not job.http10
            sent = await self._stream(reader, sink, length, chunked, reframe)
        return Relayed(status, sent, must_close)

    async def _stream(self, reader: asyncio.StreamReader, sink: Sink, length: int | None,
                      chunked: bool, reframe: bool) -> int:
        """Copy the body; chunked input is decoded and (for HTTP/1.1 clients)
        re-framed, so the client never sees the origin's framing as is."""
        timeout = self.s.origin_timeout
        sent = 0

        async def emit(data: bytes) -> None:
            nonlocal sent
            sent += len(data)
            sink.send(b"%x\r\n%b\r\n" % (len(data), data) if reframe else data)
            await sink.drain()
            if sink.gone:
                raise ConnectionResetError("client went away")

        if chunked:
            while True:
                line = await asyncio.wait_for(reader.readuntil(b"\r\n"), timeout)
                size_text = line.split(b";", 1)[0].strip()
                if not size_text or len(size_text) > 16:
                    raise ConnectionResetError("bad chunk from origin")
                size = int(size_text, 16)
                if size == 0:
                    while (await asyncio.wait_for(reader.readuntil(b"\r\n"), timeout)) != b"\r\n":
                        pass  # trailers are dropped
                    break
                await emit(await asyncio.wait_for(reader.readexactly(size), timeout))
                await asyncio.wait_for(reader.readexactly(2), timeout)
        else:
            remaining = length
            while remaining is None or remaining > 0:
                want = 65536 if remaining is None else min(65536, remaining)
                data = await asyncio.wait_for(reader.read(want), timeout)
                if not data:
                    if remaining:
                        raise ConnectionResetError("origin closed early")
                    break
                if remaining is not None:
                    remaining -= len(data)
                await emit(data)
        if reframe:
            sink.send(b"0\r\n\r\n")
        return sent


def _parse_head(head: bytes) -> tuple[int, list[tuple[bytes, bytes]]]:
    lines = head[:-4].split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit() \
            or len(parts[1]) != 3:
        raise OriginFailed(502, "bad status line from origin")
    headers: list[tuple[bytes, bytes]] = []
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip() or b"\n" in line or b"\r" in line \
                or line[:1] in (b" ", b"\t"):
            raise OriginFailed(502, "bad header from origin")
        headers.append((name, value.strip()))
    return int(parts[1]), headers


def _reason(status: int) -> bytes:
    return REASONS.get(status, "Status").encode()
