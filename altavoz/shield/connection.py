"""The connection's life around the HTTP parsing: admission (connection limits,
PROXY protocol from trusted proxies), flow control, deadlines, and the client's
networks and rate-limit keys. Mixed into protocol.EdgeProtocol, which holds the
state it uses.

Deadlines are not timers: each connection keeps one `deadline` for its state,
and the server's housekeeping tick calls check() on every connection (a timer
per request would cost more than the request).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from altavoz.shield import addresses, clock, pages, respond
from altavoz.shield.addresses import PROXY_V1_MAX, ProxyHeaderError, parse_proxy_v1
from altavoz.shield.http import normalise
from altavoz.shield.limits import READ, Limiter, client_keys, kind_of
from altavoz.shield.request import BODY, FORWARD, HEAD, IDLE, Request
from altavoz.shield.routes import DEFAULT_LANGUAGES

if TYPE_CHECKING:
    from altavoz.shield.context import EdgeContext
    from altavoz.shield.edition import Edition
    from altavoz.shield.replay import Replay
    from altavoz.shield.settings import EdgeSettings


class Connection:
    ctx: EdgeContext
    s: EdgeSettings
    transport: asyncio.Transport
    peer: str
    client: str
    counted: bool
    trusted: bool
    proxy_wait: bytearray | None
    replay: Replay | None
    state: int
    parsing: int
    deadline: float
    closing: bool
    eof: bool
    busy: bool
    held: bytes
    paused_at: float
    task: asyncio.Task[None] | None
    drained: asyncio.Future[None] | None
    _nets: tuple[str, str] | None
    _keys: tuple[int, int] | tuple[()] | None
    limiter: Limiter

    def data_received(self, data: bytes) -> None: ...  # protocol.py

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        ctx = self.ctx
        ctx.metrics.connections += 1
        if len(ctx.connections) >= self.s.max_connections:
            ctx.metrics.connections_refused += 1
            self.closing = True
            transport.abort()  # type: ignore[attr-defined]
            return
        ctx.connections.add(self)
        peer = transport.get_extra_info("peername")
        self.peer = self.client = str(peer[0]) if isinstance(peer, tuple) else "unix"
        self.trusted = addresses.is_trusted(self.peer, self.s.trusted_proxies)
        if self.trusted:
            self.replay = None  # its requests carry per-client headers (X-Forwarded-For)
        self.deadline = clock.now + self.s.header_timeout
        if self.trusted and self.s.proxy_protocol:
            self.proxy_wait = bytearray()  # the client is known after the PROXY line
        elif not self.trusted:
            # A trusted proxy carries many clients on its connections; it is not
            # limited as one client (the next milestone limits per forwarded client).
            self._admit()

    def _admit(self) -> None:
        """Count the connection against its client's limit (after PROXY, if any)."""
        per = self.ctx.per_client
        count = per.get(self.client, 0)
        if count >= self.s.max_connections_per_client:
            self.ctx.metrics.connections_refused += 1
            self.closing = True
            self.transport.write(respond.error(429, clock.TAILS[clock.CLOSE],
                                               retry_after=self.s.retry_after))
            self.transport.close()
            return
        per[self.client] = count + 1
        self.counted = True

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        ctx = self.ctx
        ctx.connections.discard(self)
        if self.counted:
            self.counted = False
            left = ctx.per_client.get(self.client, 1) - 1
            if left > 0:
                ctx.per_client[self.client] = left
            else:
                ctx.per_client.pop(self.client, None)
        if self.task is not None and not self.task.done():
            self.task.cancel()
        self._wake()

    def eof_received(self) -> bool:
        self.eof = True
        # Keep the socket open while answers are on their way or requests wait.
        return self.busy or bool(self.held)

    def pause_writing(self) -> None:
        self.paused_at = clock.now
        # A client that does not read stops being read: pipelined requests then
        # cannot pile up answers in our buffers.
        self.transport.pause_reading()

    def resume_writing(self) -> None:
        self.paused_at = 0.0
        self._wake()
        self._continue()

    def _wake(self) -> None:
        if self.drained is not None and not self.drained.done():
            self.drained.set_result(None)
        self.drained = None

    def check(self, now: float) -> None:
        """Called by the housekeeping sweep: enforce this connection's deadline."""
        if self.closing:
            return
        if self.paused_at:  # a client reading slowly: only the send timeout applies
            if now - self.paused_at > self.s.send_timeout:
                self.ctx.metrics.timeouts += 1
                self._abort()  # it stopped reading: its buffer would never drain
        elif not self.busy and now > self.deadline:
            # While a request is at the origin (busy) only the origin's timeouts apply,
            # whatever was parsed behind it meanwhile (its state may be BODY then).
            self.ctx.metrics.timeouts += 1
            self.closing = True
            if self.state in (HEAD, BODY):  # slowloris, slow body
                self.transport.write(respond.error(408, clock.TAILS[clock.CLOSE]))
            self.transport.close()

    # --- bytes in ---------------------------------------------------------------------

    def _continue(self) -> None:
        """Answers may flow again (the client read, or the origin answered): parse
        what was held back, then read again."""
        if self.closing or self.busy or self.paused_at:
            return
        if self.state == IDLE and self.parsing != IDLE:
            # The origin answered (forwarding.py) with a request begun behind it, in the
            # same read: its deadline runs from now, as reading resumes.
            self.state = self.parsing
            self.deadline = clock.now + (self.s.header_timeout if self.parsing == HEAD
                                         else self.s.body_timeout)
        held, self.held = self.held, b""
        if held:
            self.data_received(held)
        if self.closing or self.busy or self.paused_at or self.held:
            return
        if self.eof:  # the client said all it had to say, and it has been answered
            self.closing = True
            self.transport.close()
        else:
            self.transport.resume_reading()

    def _proxy_header(self, data: bytes) -> bytes:
        assert self.proxy_wait is not None
        self.proxy_wait += data
        end = self.proxy_wait.find(b"\r\n")
        if end < 0:
            if len(self.proxy_wait) >= PROXY_V1_MAX:
                self._abort()
            return b""
        line, rest = bytes(self.proxy_wait[:end + 2]), bytes(self.proxy_wait[end + 2:])
        self.proxy_wait = None
        try:
            source = parse_proxy_v1(line)
        except ProxyHeaderError:
            self._abort()
            return b""
        self.client = source or self.peer
        self._admit()
        return b"" if self.closing else rest

    def _abort(self) -> None:
        self.closing = True
        self.transport.abort()

    def _client_of(self, r: Request) -> str:
        """The request's client address (behind trusted proxies: from X-Forwarded-For)."""
        if r.xff:  # only ever set for a trusted proxy's connection
            return addresses.from_forwarded_for(r.xff, self.client, self.s.trusted_proxies)
        return self.client

    def limit_keys(self, r: Request) -> tuple[int, int] | tuple[()]:
        """(client key, prefix key) of the request's client for the rate limits
        (limits.py); () for a client without an address (a unix socket's peer)."""
        if r.xff:
            return client_keys(self._client_of(r))
        if self._keys is None:
            self._keys = client_keys(self.client)
        return self._keys

    def _over_limit(self, r: Request, edition: Edition | None) -> bool:
        """Spend the request from its client's and its prefix's budgets (limits.py);
        True when refused, with r.retry the seconds to wait."""
        keys = self._keys
        if keys is None or r.xff:
            keys = self.limit_keys(r)
        if not keys:
            return False
        if r.retry:  # a replay was refused already (replay.py)
            return True
        if r.action != FORWARD:
            kind = READ
        else:  # the path was checked by route(); decoded, as the origin will see it
            kind = kind_of(r.method, normalise(r.path), r.query,
                           edition.languages if edition is not None else DEFAULT_LANGUAGES)
        wait = self.limiter.take(keys[0], keys[1], kind)
        if wait:
            r.retry = wait
            return True
        return False

    def limit_suspicious(self, r: Request) -> bool:
        """Whether the rate limits find the request's client suspicious (for the
        challenge: detector.challenge_policy's `suspicious`)."""
        keys = self.limit_keys(r)
        return bool(keys) and self.ctx.limiter.suspicious_keys(*keys)

    def nets(self, r: Request) -> tuple[str, str]:
        """(log network, origin network) of the request's client."""
        if r.xff:
            client = self._client_of(r)
            return addresses.log_network(client), addresses.origin_network(client)
        if self._nets is None:
            self._nets = (addresses.log_network(self.client),
                          addresses.origin_network(self.client))
        return self._nets


def too_many(r: Request, tail: bytes, head_only: bool = False) -> bytes:
    """429 from a rate limit: Retry-After, and a page saying how long to wait."""
    return respond.error(429, tail, head_only, r.url.startswith(b"/api/"), r.lang or "es",
                         r.retry, pages.rate_limited(r.retry))
