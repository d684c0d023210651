"""The edge's HTTP/1.1 connection: a raw asyncio.Protocol over httptools (llhttp).

One object per connection, callbacks straight from the parser, no framework
between the bytes and the edition: for an edition path the work per request is
a dict lookup, a header or two compared, and one transport.write().

Hygiene is part of parsing: limits are checked in the callbacks as bytes
arrive (URI, header count and size, body size), timeouts are deadlines that a
once-a-tick sweep enforces (connection.check), and anything malformed or
ambiguous (request smuggling shapes) ends in 400 and a closed connection, with
no further byte of that connection parsed.
"""

from __future__ import annotations

import asyncio
import collections
import time
from typing import TYPE_CHECKING

from httptools import HttpParserCallbackError, HttpParserError, HttpParserUpgrade, HttpRequestParser

from altavoz.shield import clock, pages, respond
from altavoz.shield.challenge import NORMAL
from altavoz.shield.connection import Connection, too_many
from altavoz.shield.edition import Edition
from altavoz.shield.forwarding import Forwarding, writes_down
from altavoz.shield.http import BadPath, encoding_code, split_target
from altavoz.shield.replay import Replaying
from altavoz.shield.request import (
    BODY,
    CHALLENGE,
    FORWARD,
    HEAD,
    HEALTHZ,
    IDLE,
    LIMITED,
    NOT_ALLOWED,
    NOT_FOUND,
    REDIRECT,
    SERVE,
    WAIT,
    Request,
)
from altavoz.shield.routes import query_selects, route
from altavoz.shield.search import Searching

if TYPE_CHECKING:
    from altavoz.shield.context import EdgeContext

# Headers the edge looks at, by lowercase name; every other header is only kept.
_WATCHED = {b"host": 1, b"accept-encoding": 2, b"if-none-match": 3, b"range": 4,
            b"if-range": 5, b"transfer-encoding": 6, b"content-length": 7,
            b"x-forwarded-for": 8, b"accept-language": 9, b"expect": 10}
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_SLICE = 2048  # bytes parsed at once from a big read (see data_received)


class _Reject(Exception):
    """Raised in a parser callback: answer `status` and close."""

    def __init__(self, status: int) -> None:
        self.status = status


class _Stop(Exception):
    """Raised in a parser callback: the connection is closing; parse nothing more."""


class EdgeProtocol(Connection, Replaying, Searching, Forwarding, asyncio.Protocol):
    def __init__(self, ctx: EdgeContext) -> None:
        self.ctx = ctx
        self.s = ctx.settings
        self.parser = HttpRequestParser(self)
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.peer = ""  # the raw address: in memory only, for this connection
        self.client = ""
        self.counted = False
        self.trusted = False
        self.proxy_wait: bytearray | None = None
        self.state = WAIT
        # Where the parser is: IDLE between requests, HEAD or BODY once one has begun
        # (its bytes are in the parser). Equal to `state` except while a request is at
        # the origin (BUSY), when the next one may be parsed behind it (forwarding.py).
        self.parsing = IDLE
        self.deadline = 0.0
        self.requests = 0
        self.r = Request()
        self.busy = False
        self.backlog: collections.deque[tuple] = collections.deque()
        self.task: asyncio.Task[None] | None = None
        self.closing = False
        self.eof = False
        self.paused_at = 0.0
        self.drained: asyncio.Future[None] | None = None
        self._nets: tuple[str, str] | None = None
        self._keys: tuple[int, int] | tuple[()] | None = None  # rate-limit keys (limits.py)
        self.limiter = ctx.limiter
        self.fed = self.chunk_start = 0  # bytes given to the parser, for head size checks
        self.held = b""  # received, not parsed yet: waits while answers cannot flow
        self.replay = ctx.replay  # None for a trusted proxy's connection (set below)
        self.completed = 0  # requests answered during the current feed
        self.candidate: tuple | None = None  # an answer the replay cache may keep
        self.out_bytes = 0  # written for the request being forwarded (access log)
        self.head_raw_limit = self.s.max_header_bytes + self.s.max_uri_bytes + 1024
        self.max_header_bytes = self.s.max_header_bytes  # read per header: one lookup
        self.max_headers = self.s.max_headers
        self.body_timeout = self.s.body_timeout
        self.header_timeout = self.s.header_timeout
        self.keepalive_timeout = self.s.keepalive_timeout

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return
        if self.proxy_wait is not None:
            data = self._proxy_header(data)
            if not data:
                return
        if self.held:
            self.held += data  # arrived before pause_reading took effect
            return
        if len(data) <= _SLICE:  # the common case: one request, or a part of one
            # Only a read that begins a request: after one begun (in an earlier read, or
            # behind a pipelined answer) the bytes go on that request, whatever they are.
            if self.replay is not None and self.parsing == IDLE and not (
                    self.busy or self.paused_at):
                answer = self.replay.answers.get(data)
                # Replayed only at the normal level: above it, the challenge hook decides.
                if answer is not None and answer.edition is self.ctx.loader.edition and (
                        self.ctx.attack_level == NORMAL) and self._replay_allowed():
                    self._replay(answer)
                    return
            self._feed(data)
            return
        # A big read may hold hundreds of pipelined requests. Parsed a slice at a
        # time, they stop being answered once the client stops reading (or a request
        # is at the origin): the rest waits, unparsed, and reading pauses. Answers
        # buffered for a client that does not read are bounded by one slice's worth.
        view = memoryview(data)
        for start in range(0, len(data), _SLICE):
            if self.closing:
                return
            if self.paused_at or self.busy:
                self.held = bytes(view[start:])
                self.transport.pause_reading()
                return
            self._feed(view[start:start + _SLICE])

    def _feed(self, data: bytes | memoryview) -> None:
        boundary = self.parsing == IDLE  # the read begins where no request is begun
        self.completed = 0
        self.candidate = None
        self.chunk_start = self.fed
        self.fed += len(data)
        try:
            self.parser.feed_data(data)
        except _Stop:
            pass
        except HttpParserCallbackError as exc:
            cause = exc.__context__
            if isinstance(cause, _Reject):
                self._fail(cause.status)
            elif not isinstance(cause, _Stop):
                self._fail(400)
        except HttpParserUpgrade:
            # CONNECT or Upgrade: answered as plain HTTP already; nothing after it is HTTP/1.1.
            self._close_when_done()
        except HttpParserError:
            self._fail(400)
        else:
            # llhttp keeps a header that has not ended yet inside itself, out of the
            # callbacks' sight: bound the bytes of a head still arriving after the chunk
            # it began in (a lower bound of its size, so never a false alarm).
            if self.state == HEAD and self.fed - self.r.first_end > self.head_raw_limit:
                self._fail(431)
            elif (self.candidate is not None and boundary and self.completed == 1
                  and self.state == IDLE and type(data) is bytes and data[-4:] == b"\r\n\r\n"):
                self._remember(data)

    def on_message_begin(self) -> None:
        # The first byte of a request (line breaks between requests are none). Its head
        # has header_timeout from now, not extended by later bytes: slowloris cannot
        # stretch it. Behind a request at the origin no byte more is read; the deadline
        # starts when reading resumes (connection._continue).
        self.parsing = HEAD
        if not self.busy:
            self.state = HEAD
            self.deadline = clock.now + self.header_timeout
        self.r.start = time.perf_counter_ns()

    def on_url(self, url: bytes) -> None:
        r = self.r
        r.url = r.url + url if r.url else url
        if len(r.url) > self.s.max_uri_bytes:
            raise _Reject(414)

    def on_header(self, name: bytes, value: bytes) -> None:
        # Per header: an append, a count and one lookup. The head's size is checked when
        # it is complete (and bounded while it arrives, in data_received).
        headers = self.r.headers
        headers.append((name, value))
        if len(headers) > self.max_headers:
            raise _Reject(431)
        r = self.r
        kind = _WATCHED.get(name.lower())
        if kind is None:
            return
        if kind == 1:
            r.host += 1
        elif kind == 2:
            r.ae = value
        elif kind == 3:
            r.inm = value if r.inm is None else r.inm + b"," + value
        elif kind == 4:
            r.rng = value
        elif kind == 5:
            r.if_range = value
        elif kind == 6:
            if r.te is not None:  # two Transfer-Encoding headers: ambiguous framing
                raise _Reject(400)
            r.te = value
        elif kind == 7:
            r.cl = value
        elif kind == 8 and self.trusted:
            r.xff = (r.xff or []) + [value]
        elif kind == 9:
            r.al = value
        elif kind == 10:
            r.expect = value.lower() == b"100-continue"

    def on_headers_complete(self) -> None:
        r = self.r
        # Bytes from the start of the chunk the head began in: an upper bound of its
        # size. Only when that is over the limit is the exact size added up.
        if self.fed - r.first_start > self.max_header_bytes and sum(
                len(n) + len(v) + 4 for n, v in r.headers) + len(r.url) > self.max_header_bytes:
            raise _Reject(431)
        parser = self.parser
        version = parser.get_http_version()
        if version != "1.1":
            if version != "1.0":
                raise _Reject(505)
            r.http10 = True
        elif r.host != 1:
            raise _Reject(400)  # HTTP/1.1 needs exactly one Host (RFC 9112 3.2)
        if r.host > 1:
            raise _Reject(400)
        if r.te is not None and (r.http10 or r.te.strip().lower() != b"chunked"):
            raise _Reject(400)  # only plain chunked, and never to an HTTP/1.0 request
        if r.cl is not None and int(r.cl) > self.s.max_body_bytes:
            raise _Reject(413)
        r.method = method = parser.get_method()
        r.keep = parser.should_keep_alive()
        url = r.url
        if url[:1] == b"/" and b"?" not in url and b"#" not in url:
            r.path = url  # the common case, without a call
        else:
            try:
                r.path, r.query = split_target(url)
            except BadPath:
                raise _Reject(400) from None
        edition = self.ctx.loader.edition
        if method == b"GET" or method == b"HEAD":
            res = edition.paths.get(r.path) if edition is not None else None
            if res is not None and (not r.query or not query_selects(r.path,
                                                                     edition.languages)):
                r.res = res
            else:
                self._route(r, edition)
        else:
            self._route(r, edition)
        # --- challenge hook (challenge.py): one comparison while the level is normal ---
        if self.ctx.attack_level != NORMAL:
            self.ctx.gate.screen(self, r, self.ctx.attack_level)
        # ---
        # Rate limits, last: what a request spends is what it gets (a challenge is a read).
        if self._over_limit(r, edition):
            if (r.cl is not None and r.cl != b"0") or r.te is not None:
                raise _Reject(429)  # the body is not worth reading: answer and close
            r.action = LIMITED
        if r.action == FORWARD:
            r.body = []
        if r.expect and not self.busy:  # the body is wanted (buffered, or read and dropped)
            self.transport.write(_CONTINUE)
        self.state = self.parsing = BODY
        self.deadline = clock.now + self.body_timeout

    @staticmethod
    def _route(r: Request, edition: Edition | None) -> None:
        try:
            route(r, edition)
        except BadPath:
            raise _Reject(400) from None

    def on_body(self, body: bytes) -> None:
        r = self.r
        r.body_size += len(body)
        if r.body_size > self.s.max_body_bytes:
            raise _Reject(413)
        if r.body is not None:
            r.body.append(body)
        self.deadline = clock.now + self.body_timeout

    def on_message_complete(self) -> None:
        self.parsing = IDLE
        r = self.r
        # The next request's state, ready before its first byte is parsed (it may be
        # in this very chunk: pipelining).
        self.r = following = Request()
        following.first_start, following.first_end = self.chunk_start, self.fed
        self.requests += 1
        close = not r.keep or self.requests >= self.s.max_requests_per_connection or self.eof
        tail = clock.TAILS[clock.CLOSE if close else clock.KEEP_10 if r.http10 else clock.KEEP]
        head_only = r.method == b"HEAD"
        action = r.action
        metrics = self.ctx.metrics
        if action == SERVE:
            if r.inm is None and r.rng is None:  # most requests: pick a variant, send it
                ae = r.ae
                variant = r.res.pick[0 if ae is None else encoding_code(ae)]  # type: ignore
                head, body, status = variant.head, None if head_only else variant.body, 200
            else:
                head, body, status = respond.from_resource(
                    r.res, r.ae, r.inm, r.rng, r.if_range, head_only)  # type: ignore[arg-type]
            # A body goes out beside its head, not copied into one new bytes object.
            data = head + tail if body is None else (head + tail, body)
            if status == 304:
                metrics.not_modified += 1
            else:
                metrics.edition += 1
            self.completed += 1
            if self.replay is not None and r.body_size == 0 and not self.busy:
                self.candidate = (head, body, status, r)
        elif action == FORWARD:
            self.completed += 1
            # A search the edition answers: known at once (cached), or run on a search
            # thread through the forwarding path (search.py), in order with the rest.
            known = self._search_now(r, head_only, tail) if r.search else None
            if known is not None:
                data, status = known
            elif self.ctx.origin is not None or type(r.search) is tuple:
                self._forward(r, close)
                if close:
                    raise _Stop  # nothing after a connection's last request is parsed
                return
            else:
                # An edge without an origin (a read-only mirror edge) answers at once.
                metrics.server_errors += 1
                status = 503
                lang = r.lang or "es"
                data = respond.error(503, tail, head_only, r.path.startswith(b"/api/"), lang,
                                     self.s.retry_after, writes_down(lang))
        else:
            data, status = self._answer(r, action, head_only, tail)
            self.completed += 1
        self._send(data, close, r, status)
        if close:
            raise _Stop

    def _answer(self, r: Request, action: int, head_only: bool,
                tail: bytes) -> tuple[bytes, int]:
        edition = self.ctx.loader.edition
        metrics = self.ctx.metrics
        if action == REDIRECT:
            metrics.edition += 1
            if r.location.startswith(b"HTTP/"):  # a redirect head from the manifest
                return r.location + tail, 302
            return respond.redirect(r.location, tail), 301
        if action == HEALTHZ:
            return respond.healthz(edition, self.ctx.attack_level, head_only, tail)
        if action == NOT_FOUND:
            metrics.client_errors += 1
            return respond.not_found(edition, r.lang or "es", r.ae, head_only, tail), 404
        if action == NOT_ALLOWED:
            metrics.client_errors += 1
            return respond.error(405, tail, head_only, api=r.path.startswith(b"/api/")), 405
        if action == LIMITED:
            metrics.client_errors += 1
            return too_many(r, tail, head_only), 429
        if action == CHALLENGE:
            return self.ctx.gate.answer(self, r, self.ctx.attack_level, head_only, tail)
        metrics.server_errors += 1  # NO_EDITION
        return respond.error(503, tail, head_only, retry_after=self.s.retry_after,
                             body=pages.NO_EDITION_PAGE), 503

    def _fail(self, status: int) -> None:
        """A malformed or over-limit request: answer, close, parse nothing more."""
        self.ctx.metrics.client_errors += 1
        r = self.r
        tail = clock.TAILS[clock.CLOSE]
        data = (too_many(r, tail) if status == 429 and r.retry else
                respond.error(status, tail, api=r.url.startswith(b"/api/")))
        self._send(data, True, r, status)

    # --- bytes out ----------------------------------------------------------------------------

    def _send(self, data: bytes, close: bool, r: Request, status: int) -> None:
        if self.busy:  # an earlier pipelined request is still at the origin
            self.backlog.append((data, close, r, status))
            if close:
                self.closing = True
            return
        if type(data) is tuple:
            self.transport.writelines(data)
            size = len(data[0]) + len(data[1])
        else:
            self.transport.write(data)
            size = len(data)
        self.ctx.metrics.bytes_sent += size
        if self.ctx.log is not None:
            self._log(r, status, size)
        if close:
            self.closing = True
            self.transport.close()
        else:
            self.state = IDLE
            self.deadline = clock.now + self.keepalive_timeout

    def _close_when_done(self) -> None:
        if self.busy:
            self.eof = True
        elif not self.closing:
            self.closing = True
            self.transport.close()

    def _log(self, r: Request, status: int, sent: int) -> None:
        edition = self.ctx.loader.edition
        self.ctx.log.record(  # type: ignore[union-attr]
            self.nets(r)[0], r.method.decode("latin-1"), r.path.decode("latin-1"), status,
            sent, (time.perf_counter_ns() - r.start) // 1000, edition.id[:12] if edition else "")
