"""Malformed input, fed to the protocol in-process with a fake transport: it never
raises, and it answers 4xx or closes (after the timeout sweep, at the latest).

The harness here (FakeTransport, WatchedProtocol, run/feed) is shared with
test_fuzz_requests.py, test_fuzz_live.py and the atheris target fuzz/edge_requests.py."""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from altavoz.shield import clock
from altavoz.shield.context import EdgeContext
from altavoz.shield.loader import Loader
from altavoz.shield.protocol import EdgeProtocol, _Reject, _Stop
from altavoz.shield.settings import from_env
from tests.shield.synthetic import make_home, write_edition

pytestmark = pytest.mark.fuzz

STATUS = re.compile(rb"HTTP/1\.1 (\d{3}) ")
ALLOWED = {100, 200, 206, 301, 302, 304, 400, 404, 405, 408, 413, 414, 416, 429, 431, 503, 505}


class FakeTransport:
    """Records each write: the edge writes every response (and a 100 Continue) in one
    write() or writelines() call. `pauses` holds the numbers of the writes after which
    the send buffer is "full": pause_writing() is called right then, as uvloop does."""

    def __init__(self, protocol: EdgeProtocol | None = None, pauses: Iterable[int] = ()) -> None:
        self.out = b""
        self.writes: list[bytes] = []
        self.closed = False
        self.reading = True
        self.protocol = protocol
        self.pauses = set(pauses)

    def write(self, data: bytes) -> None:
        assert not self.closed or data == b"", "wrote after close"
        self.out += data
        self.writes.append(bytes(data))
        if self.protocol is not None and len(self.writes) in self.pauses:
            self.protocol.pause_writing()

    def writelines(self, parts: tuple[bytes, ...]) -> None:
        self.write(b"".join(parts))

    def get_extra_info(self, name: str, default: object = None) -> object:
        return ("127.0.0.1", 40000) if name == "peername" else default

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True


class WatchedProtocol(EdgeProtocol):
    """The edge, with its parser callbacks watched. httptools turns any exception a
    callback raises into HttpParserCallbackError, which the protocol answers with a
    plain 400: a bug in a callback (a TypeError in routing, say) would look like a
    correct refusal. Only the protocol's own _Reject and _Stop are expected."""

    def __init__(self, ctx: EdgeContext) -> None:
        self.surprises: list[str] = []
        super().__init__(ctx)  # the parser looks the callbacks up on this object

    def _watch(self, call: Callable[..., None], *args: object) -> None:
        try:
            call(*args)
        except (_Reject, _Stop):
            raise
        except Exception:
            self.surprises.append(traceback.format_exc())
            raise

    def on_url(self, url: bytes) -> None:
        self._watch(super().on_url, url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._watch(super().on_header, name, value)

    def on_headers_complete(self) -> None:
        self._watch(super().on_headers_complete)

    def on_body(self, body: bytes) -> None:
        self._watch(super().on_body, body)

    def on_message_complete(self) -> None:
        self._watch(super().on_message_complete)


_contexts: dict[tuple, EdgeContext] = {}
SMALL_LIMITS = {"max_body_bytes": 4096, "max_uri_bytes": 1024, "max_header_bytes": 2048,
                "max_headers": 20}


def context(tmp: Path, **changes: object) -> EdgeContext:
    """One edge context per set of setting changes, shared by every test (building an
    edition takes longer than thousands of examples). Small limits, no origin."""
    key = tuple(sorted(changes.items()))
    if key not in _contexts:
        home, signing_key = make_home(tmp / f"ctx{len(_contexts)}")
        write_edition(home, signing_key)
        loader = Loader(home)
        edition = loader.check()
        assert edition is not None
        loader.switch(edition)
        edge_settings = from_env(home=home, listen="127.0.0.1:0", origin="none").with_(
            **(SMALL_LIMITS | changes)).without_limits()  # thousands of requests, one address
        _contexts[key] = EdgeContext(edge_settings, loader)
    return _contexts[key]


def run(ctx: EdgeContext, chunks: list[bytes],
        pauses: Iterable[int] = ()) -> tuple[FakeTransport, list[int]]:
    """One connection: each chunk is one read; then EOF and the timeout sweep. With
    `pauses`, the client stops reading after those writes and reads again (all that
    was sent) before its next chunk arrives: the edge's flow control is exercised."""
    protocol = WatchedProtocol(ctx)
    transport = FakeTransport(protocol, pauses)
    protocol.connection_made(transport)  # type: ignore[arg-type]
    for chunk in chunks:
        _drain(protocol, transport)
        if transport.closed:
            break
        protocol.data_received(chunk)
    _drain(protocol, transport)
    if not transport.closed:
        protocol.eof_received()
        _drain(protocol, transport)
    if not transport.closed:
        protocol.check(clock.now + 3600)  # the sweep, long after every deadline
    protocol.connection_lost(None)  # what the event loop does after a close
    assert not protocol.surprises, "a parser callback raised:\n" + protocol.surprises[0]
    statuses = statuses_of(transport.writes)
    assert ctx.per_client == {}  # every connection's count was given back
    return transport, statuses


def _drain(protocol: EdgeProtocol, transport: FakeTransport) -> None:
    """The client reads what it was sent: the edge may write (and parse held bytes) again."""
    for _ in range(1000):
        if transport.closed or not protocol.paused_at:
            return
        protocol.resume_writing()
    raise AssertionError("the edge paused writing 1000 times in a row without progress")


def feed(ctx: EdgeContext, chunks: list[bytes]) -> tuple[FakeTransport, list[int]]:
    return run(ctx, chunks)


def statuses_of(writes: list[bytes]) -> list[int]:
    """The status of each response, each checked to be whole and framed right: a
    status line, a head, and a body as long as its Content-Length (or none at all,
    for HEAD and 304)."""
    statuses = []
    for data in writes:
        head, sep, body = data.partition(b"\r\n\r\n")
        assert sep, f"incomplete response: {data[:200]!r}"
        match = STATUS.match(head)
        assert match, f"not a status line: {head[:100]!r}"
        status = int(match.group(1))
        statuses.append(status)
        if status < 200 or status in (204, 304):  # no body, and no length needed
            assert body == b"", data[:200]
            continue
        length = re.search(rb"\r\nContent-Length: (\d+)\r\n", head + b"\r\n")
        assert length or b"\r\nTransfer-Encoding: chunked\r\n" in head + b"\r\n", head
        if length and body:
            assert len(body) == int(length.group(1)), head
    return statuses


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, last = [], 0
    for point in points:
        pieces.append(data[last:point])
        last = point
    pieces.append(data[last:])
    return [p for p in pieces if p]


def valid_request() -> st.SearchStrategy[bytes]:
    path = st.sampled_from(["/", "/es/", "/es/article/asamblea/", "/robots.txt", "/nope",
                            "/healthz", "/media/a/photo.jpg", "/es/about", "/es/write/"])
    method = st.sampled_from(["GET", "POST", "PUT"])
    return st.builds(lambda m, p: f"{m} {p} HTTP/1.1\r\nHost: x\r\n\r\n".encode(), method, path)


TOKENS = [b"GET", b"POST", b"get", b"G\x00T", b"", b" ", b"/", b"/es/", b"HTTP/1.1",
          b"HTTP/1.0", b"HTTP/9.9", b"\r\n", b"\n", b"\r", b":", b"Host", b"Content-Length",
          b"-1", b"99999999999",
          b"Transfer-Encoding", b"chunked", b"gzip", b"\x00", b"\xff\xfe", "ñ".encode(), b"%00",
          b"%2e%2e", b"..", b"?", b"#", b"\t", b"0\r\n\r\n", b"ffffffff\r\n", b"PROXY TCP4",
          b"Range", b"bytes=0-1", b"If-None-Match", b"*", b"W/\"x\"", b"Expect", b"100-continue"]


def soup() -> st.SearchStrategy[bytes]:
    """Request-shaped noise: anything may come out, even a valid request."""
    line = st.tuples(st.sampled_from([b"GET", b"POST", b"get", b"GE T", b"\x00", b"PRI", b""]),
                     st.binary(max_size=40), st.sampled_from([b"HTTP/1.1", b"HTTP/1.0",
                                                              b"HTTP/2", b"HTTP/1.1x", b""]))
    request_line = line.map(lambda t: t[0] + b" /" + t[1] + b" " + t[2] + b"\r\n")
    header = st.tuples(st.binary(max_size=20), st.binary(max_size=60)).map(
        lambda h: h[0] + b": " + h[1] + b"\r\n")
    head = st.tuples(request_line, st.lists(header, max_size=8)).map(
        lambda t: t[0] + b"Host: x\r\n" + b"".join(t[1]) + b"\r\n")
    tokens = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=30).map(b"".join)
    return head | tokens


def definitely_bad() -> st.SearchStrategy[tuple[bytes, set[int]]]:
    """Requests that are wrong for sure, with the answers they may get."""
    text = st.binary(min_size=1, max_size=30).filter(lambda b: b"\r" not in b and b"\n" not in b)
    nul_in_path = text.map(lambda t: (b"GET /" + t + b"\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
                                      {400}))
    raw_utf8 = st.text(alphabet="ñáé€日本", min_size=1, max_size=10).map(
        lambda t: (b"GET /" + t.encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n", {400}))
    invalid_utf8 = st.sampled_from([b"\xff", b"\xc3\x28", b"\xa0\xa1", b"\xed\xa0\x80"]).map(
        lambda b: (b"GET /es/" + b + b"/ HTTP/1.1\r\nHost: x\r\n\r\n", {400}))
    escaped_bad = st.sampled_from([b"%ff", b"%c3%28", b"%00", b"%2e%2e", b"%5c", b"%0d%0a"]).map(
        lambda b: (b"GET /es/" + b + b"/ HTTP/1.1\r\nHost: x\r\n\r\n", {400}))
    nul_in_header = text.map(lambda t: (b"GET /es/ HTTP/1.1\r\nHost: x\r\nX-A: " + t
                                        + b"\x00\r\n\r\n", {400}))
    giant_uri = st.integers(1100, 20000).map(
        lambda n: (b"GET /" + b"a" * n + b" HTTP/1.1\r\nHost: x\r\n\r\n", {414, 431}))
    flood = st.integers(21, 300).map(
        lambda n: (b"GET /es/ HTTP/1.1\r\nHost: x\r\n" + b"X-F: y\r\n" * n + b"\r\n", {431}))
    big_header = st.integers(2100, 40000).map(
        lambda n: (b"GET /es/ HTTP/1.1\r\nHost: x\r\nX-B: " + b"b" * n + b"\r\n\r\n", {431}))
    truncated = st.sampled_from([
        (b"POST /es/write/ HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nshort", {408}),
        (b"POST /es/write/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nab",
         {408}),
        (b"GET /es/ HTTP/1.1\r\nHost: x\r\n", {408}),
        (b"GET /es/ HTT", {408}),
        (b"POST /es/write/ HTTP/1.1\r\nHost: x\r\nContent-Length: 99999\r\n\r\n", {413}),
    ])
    smuggling = st.sampled_from([
        b"Content-Length: 3\r\nTransfer-Encoding: chunked",
        b"Content-Length: 1\r\nContent-Length: 2",
        b"Transfer-Encoding: gzip, chunked", b"Transfer-Encoding: chunked\r\nTransfer-Encoding: x",
        b"X-A: b\r\n c", b"Host: y",
    ]).map(lambda h: (b"POST /es/write/ HTTP/1.1\r\nHost: x\r\n" + h + b"\r\n\r\n0\r\n\r\n",
                      {400}))
    return (nul_in_path | raw_utf8 | invalid_utf8 | escaped_bad | nul_in_header | giant_uri
            | flood | big_header | truncated | smuggling)


FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@FUZZ
@given(data=st.binary(max_size=3000), cuts=st.lists(st.integers(0, 3000), max_size=6))
def test_random_bytes_never_crash(tmp_path_factory, data: bytes, cuts: list[int]) -> None:
    ctx = context(tmp_path_factory.mktemp("fuzz"))
    transport, statuses = feed(ctx, split(data, cuts))
    assert transport.closed
    assert set(statuses) <= ALLOWED


@FUZZ
@given(before=st.lists(valid_request(), max_size=3), noise=soup(),
       cuts=st.lists(st.integers(0, 3000), max_size=6))
def test_request_shaped_noise_never_crashes(tmp_path_factory, before: list[bytes], noise: bytes,
                                            cuts: list[int]) -> None:
    ctx = context(tmp_path_factory.mktemp("fuzz"))
    transport, statuses = feed(ctx, split(b"".join(before) + noise, cuts))
    assert transport.closed
    assert set(statuses) <= ALLOWED
    assert len(statuses) >= len(before)  # the good requests before it were answered


@FUZZ
@given(before=st.lists(valid_request(), max_size=3), bad=definitely_bad(),
       cuts=st.lists(st.integers(0, 45000), max_size=6))
def test_malformed_requests_get_4xx_and_close(tmp_path_factory, before: list[bytes],
                                              bad: tuple[bytes, set[int]],
                                              cuts: list[int]) -> None:
    ctx = context(tmp_path_factory.mktemp("fuzz"))
    data, expected = bad
    after = b"GET /es/ HTTP/1.1\r\nHost: x\r\n\r\n"  # must never be answered
    transport, statuses = feed(ctx, split(b"".join(before) + data + after, cuts))
    assert transport.closed
    # POST /es/write/ in `before` gets 503 (no origin here); the rest are edition answers.
    assert len(statuses) == len(before) + 1, statuses
    assert statuses[-1] in expected | {400}, (statuses, data[:80])


def test_responses_stop_at_the_first_error(tmp_path_factory) -> None:
    ctx = context(tmp_path_factory.mktemp("fuzz"))
    transport, statuses = feed(ctx, [
        b"GET /es/ HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /es/ HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"
        b"GET /es/ HTTP/1.1\r\nHost: x\r\n\r\n"])
    assert statuses == [200, 400]
    assert transport.closed
