"""Malformed input, fed to the protocol in-process with a fake transport: it never
raises, and it answers 4xx or closes (after the timeout sweep, at the latest)."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from altavoz.shield import clock
from altavoz.shield.context import EdgeContext
from altavoz.shield.loader import Loader
from altavoz.shield.protocol import EdgeProtocol
from altavoz.shield.settings import from_env
from tests.shield.synthetic import make_home, write_edition

STATUS = re.compile(rb"HTTP/1\.1 (\d{3}) ")
ALLOWED = {200, 206, 301, 302, 304, 400, 404, 405, 408, 413, 414, 416, 429, 431, 503, 505}


class FakeTransport:
    def __init__(self) -> None:
        self.out = b""
        self.closed = False
        self.reading = True

    def write(self, data: bytes) -> None:
        assert not self.closed or data == b"", "wrote after close"
        self.out += data

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


_context: list[EdgeContext] = []


def context(tmp: Path) -> EdgeContext:
    if not _context:
        home, key = make_home(tmp)
        write_edition(home, key)
        loader = Loader(home)
        edition = loader.check()
        assert edition is not None
        loader.switch(edition)
        edge_settings = from_env(home=home, listen="127.0.0.1:0", origin="none").with_(
            max_body_bytes=4096, max_uri_bytes=1024, max_header_bytes=2048, max_headers=20)
        _context.append(EdgeContext(edge_settings, loader))
    return _context[0]


def feed(ctx: EdgeContext, chunks: list[bytes]) -> tuple[FakeTransport, list[int]]:
    protocol = EdgeProtocol(ctx)
    transport = FakeTransport()
    protocol.connection_made(transport)  # type: ignore[arg-type]
    for chunk in chunks:
        if transport.closed:
            break
        protocol.data_received(chunk)
    if not transport.closed:
        protocol.eof_received()
        protocol.check(clock.now + 3600)  # the sweep, long after every deadline
    protocol.connection_lost(None)  # what the event loop does after a close
    statuses = parse_statuses(transport.out)
    assert ctx.per_client == {}  # every connection's count was given back
    return transport, statuses


def parse_statuses(out: bytes) -> list[int]:
    """The status of each response in `out`, walking Content-Length framing (no
    request here is a HEAD, so every head but a 304's is followed by its body)."""
    statuses = []
    while out:
        head, sep, rest = out.partition(b"\r\n\r\n")
        assert sep, f"incomplete response: {out[:200]!r}"
        match = STATUS.match(head)
        assert match, f"not a status line: {head[:100]!r}"
        status = int(match.group(1))
        statuses.append(status)
        length = re.search(rb"\r\nContent-Length: (\d+)\r\n", head + b"\r\n")
        size = int(length.group(1)) if length and status != 304 else 0
        assert len(rest) >= size
        out = rest[size:]
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


def test_responses_stop_at_the_first_error() -> None:
    ctx = _context[0] if _context else None
    if ctx is None:
        import tempfile

        ctx = context(Path(tempfile.mkdtemp()))
    transport, statuses = feed(ctx, [
        b"GET /es/ HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /es/ HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"
        b"GET /es/ HTTP/1.1\r\nHost: x\r\n\r\n"])
    assert statuses == [200, 400]
    assert transport.closed
