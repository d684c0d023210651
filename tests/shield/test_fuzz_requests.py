"""Generated requests, well-formed and with one defect each, against the edge in-process.

test_fuzz.py throws noise and fixed bad shapes at the protocol; here requests are
built field by field (method, target, version, headers, Content-Length or chunked
framing, body) so that each is known to be valid, or to carry exactly one defect
from a catalogue of request smuggling shapes and syntax errors. That gives oracles
sharper than "did not crash":

- a pipeline of valid requests gets, in order, exactly the answers each request
  gets alone on a fresh connection (a framing mistake would shift or add answers);
- a defect gets a 4xx (505 only for an HTTP version the edge does not speak),
  never a 5xx, and the connection closes with nothing after it answered;
- how the bytes are cut into reads, and whether the client stops reading now and
  then, changes no answer.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from altavoz.shield.context import EdgeContext
from fuzz import corpus
from tests.shield.test_fuzz import SMALL_LIMITS, context, feed, run, soup, split

pytestmark = pytest.mark.fuzz

# Answers a valid request may get from the test edition without an origin.
VALID_ANSWERS = {100, 200, 206, 301, 302, 304, 404, 405, 416, 503}
# Answers to a refused request: 400 for syntax, 413/414/431 for the size limits.
REFUSALS = {400, 413, 414, 431}
# The in-process edge's limits (test_fuzz.context).
MAX_URI, MAX_HEADER_BYTES = SMALL_LIMITS["max_uri_bytes"], SMALL_LIMITS["max_header_bytes"]
MAX_HEADERS, MAX_BODY = SMALL_LIMITS["max_headers"], SMALL_LIMITS["max_body_bytes"]

EXAMPLES = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


# --- valid requests ---------------------------------------------------------------------

@dataclass(frozen=True)
class Shape:
    """A request as parts, so that a defect can change exactly one of them."""

    method: bytes
    target: bytes
    headers: tuple[tuple[bytes, bytes], ...]
    version: bytes = b"HTTP/1.1"
    body: bytes = b""
    chunks: tuple[bytes, ...] | None = None  # chunked framing: the data of each chunk
    extension: bytes = b""  # a chunk extension on the first chunk (";name=value")
    trailers: tuple[tuple[bytes, bytes], ...] = ()

    def framing(self) -> list[tuple[bytes, bytes]]:
        if self.chunks is not None:
            return [(b"Transfer-Encoding", b"chunked")]
        return [(b"Content-Length", str(len(self.body)).encode())] if self.body else []

    def lines(self) -> list[bytes]:
        """The head's lines: request line, Host, the other headers, framing."""
        fields = [(b"Host", b"example.org"), *self.headers, *self.framing()]
        return [b" ".join((self.method, self.target, self.version))] + [
            name + b": " + value for name, value in fields]

    def payload(self) -> bytes:
        if self.chunks is None:
            return self.body
        parts = [b"%x%s\r\n%s\r\n" % (len(data), self.extension if at == 0 else b"", data)
                 for at, data in enumerate(self.chunks) if data]
        trailers = b"".join(name + b": " + value + b"\r\n" for name, value in self.trailers)
        return b"".join(parts) + b"0\r\n" + trailers + b"\r\n"

    def encode(self) -> bytes:
        return b"".join(line + b"\r\n" for line in self.lines()) + b"\r\n" + self.payload()


EDITION_PATHS = [b"/", b"/es/", b"/en/", b"/es/about/", b"/es/about", b"/es/article/asamblea/",
                 b"/en/article/assembly/", b"/es/search/", b"/es/feed/", b"/robots.txt",
                 b"/api/v1/articles", b"/media/a/photo.jpg", b"/es/caf%C3%A9/", b"/healthz"]
ORIGIN_PATHS = [b"/es/write/", b"/en/account/login/", b"/api/v1/openapi.json",
                b"/es/article/asamblea/comment/", b"/media/b/other.png", b"/manage/"]
TOKEN = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~",
                min_size=1, max_size=12).map(str.encode)
SEGMENT = st.text("abcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@", min_size=1,
                  max_size=10).filter(lambda s: s not in {".", ".."}).map(str.encode)
# Visible ASCII, obs-text and inner spaces or tabs: what a field value may hold.
VALUE = st.binary(max_size=40).map(
    lambda b: bytes(c for c in b if c in (9, 32) or 33 <= c <= 126 or c >= 128).strip(b" \t"))
# Headers the edge reads, with values from plausible to odd (all syntactically valid).
READ_HEADERS = st.one_of(
    st.tuples(st.just(b"Accept-Encoding"),
              st.sampled_from([b"gzip", b"br", b"gzip, br", b"br;q=0, gzip;q=0.5", b"*",
                               b"identity", b"gzip;q=nan", b"br;q=1e999", b"x-gzip"]) | VALUE),
    st.tuples(st.just(b"If-None-Match"), st.sampled_from([b"*", b'W/"x"', b'"a", "b"']) | VALUE),
    st.tuples(st.just(b"Range"), st.sampled_from([b"bytes=0-9", b"bytes=-5", b"bytes=9-0",
                                                  b"bytes=99999999999999999999-",
                                                  b"bytes=0-1,3-4", b"bytes=-0"]) | VALUE),
    st.tuples(st.just(b"If-Range"), VALUE),
    st.tuples(st.just(b"Accept-Language"),
              st.sampled_from([b"en", b"es-VE,es;q=0.9", b"en;q=x", b"*"]) | VALUE),
    st.tuples(st.just(b"X-Forwarded-For"), VALUE),
    st.tuples(st.just(b"Expect"), st.just(b"100-continue")),
)

OTHER_HEADERS = st.tuples(TOKEN.map(lambda t: b"X-" + t), VALUE)


# Anything but what the edge refuses in a decoded path: controls, "/", "\\", dot segments.
PRINTABLE = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\\.")


@st.composite
def targets(draw: st.DrawFn) -> bytes:
    path = draw(st.sampled_from(EDITION_PATHS + ORIGIN_PATHS)
                | st.lists(SEGMENT, max_size=4).map(lambda s: b"/" + b"/".join(s))
                | st.text(PRINTABLE, min_size=1, max_size=6).map(
                    lambda t: b"/es/" + "".join(f"%{b:02X}" for b in t.encode()).encode()))
    if draw(st.booleans()):
        path += b"?" + draw(st.sampled_from([b"q=agua", b"x=1", b"", b"a=%ff&b"]) | SEGMENT)
    return path


@st.composite
def valid_requests(draw: st.DrawFn) -> Shape:
    framing = draw(st.sampled_from(["none", "none", "length", "chunked"]))
    method = draw(st.sampled_from([b"GET", b"HEAD", b"GET"]) if framing == "none" else
                  st.sampled_from([b"POST", b"PUT", b"PATCH", b"DELETE", b"GET"]))
    headers = tuple(draw(st.lists(READ_HEADERS | OTHER_HEADERS, max_size=5,
                                  unique_by=lambda h: h[0].lower())))
    shape = Shape(method, draw(targets()), headers)
    if framing == "length":
        shape = replace(shape, body=draw(st.binary(min_size=1, max_size=300)))
    elif framing == "chunked":
        shape = replace(
            shape, chunks=tuple(draw(st.lists(st.binary(max_size=100), max_size=4))),
            extension=draw(st.sampled_from([b"", b";a=b", b';name="quoted value"', b";x"])),
            trailers=tuple(draw(st.lists(OTHER_HEADERS, max_size=2))))
    return shape


# Plain reads of edition pages: what the replay cache remembers (few generated ones are).
plain_reads = st.sampled_from(EDITION_PATHS).map(lambda path: Shape(b"GET", path, ()))


def alone(shape: Shape) -> list[int]:
    """What one valid request gets on a fresh connection (the oracle for pipelines)."""
    _, statuses = feed(in_process(), [shape.encode()])
    assert statuses and statuses[-1] in VALID_ANSWERS, (statuses, shape.encode()[:300])
    return statuses


# --- defects ------------------------------------------------------------------------------

Defect = Callable[[st.DrawFn, Shape], bytes]


def _head(lines: list[bytes], payload: bytes) -> bytes:
    return b"".join(line + b"\r\n" for line in lines) + b"\r\n" + payload


def _with_body(shape: Shape) -> Shape:
    return shape if shape.body else replace(shape, method=b"POST", chunks=None, body=b"abc")


def _chunked(shape: Shape) -> Shape:
    if shape.chunks:
        return shape
    return replace(shape, method=b"POST", body=b"", chunks=(b"abc", b"defgh"))


def length_and_chunked(draw: st.DrawFn, shape: Shape) -> bytes:
    shape = _chunked(shape)
    lines = shape.lines()
    lines.insert(draw(st.integers(1, len(lines))), b"Content-Length: %d" % draw(
        st.sampled_from([0, 3, len(shape.payload())])))
    return _head(lines, shape.payload())


def two_lengths(draw: st.DrawFn, shape: Shape) -> bytes:
    shape = _with_body(shape)
    second = draw(st.sampled_from([len(shape.body), len(shape.body) + 1, 0]))
    return _head(shape.lines() + [b"Content-Length: %d" % second], shape.body)


def bad_length(draw: st.DrawFn, shape: Shape) -> bytes:
    shape = _with_body(shape)
    size = str(len(shape.body)).encode()
    value = draw(st.sampled_from([
        b"+" + size, b"-1", size + b".0", b"0x" + size, size + b" " + size, size + b", " + size,
        b"", size + b";", b"1e3", b"\xff" + size, b"99999999999999999999999"]))
    lines = [b"Content-Length: " + value if line.startswith(b"Content-Length:") else line
             for line in shape.lines()]
    return _head(lines, shape.body)


def bad_transfer_coding(draw: st.DrawFn, shape: Shape) -> bytes:
    shape = _chunked(shape)
    value = draw(st.sampled_from([b"gzip", b"gzip, chunked", b"chunked, gzip", b"identity",
                                  b"xchunked", b"chunk", b",chunked", b"chunked,", b"\x0bchunked",
                                  b"chunked\x00", b"chunked;q=1"]))
    lines = [b"Transfer-Encoding: " + value if line.startswith(b"Transfer-Encoding:") else line
             for line in shape.lines()]
    return _head(lines, shape.payload())


def two_transfer_codings(draw: st.DrawFn, shape: Shape) -> bytes:
    shape = _chunked(shape)
    extra = b"Transfer-Encoding: " + draw(st.sampled_from([b"chunked", b"identity", b"gzip"]))
    return _head(shape.lines() + [extra], shape.payload())


def chunked_in_http10(draw: st.DrawFn, shape: Shape) -> bytes:
    shape = replace(_chunked(shape), version=b"HTTP/1.0")
    return shape.encode()


def bad_chunk(draw: st.DrawFn, shape: Shape) -> bytes:
    """Junk in a chunk-size line, in a chunk's end, or in the last chunk."""
    shape = _chunked(shape)
    data = shape.chunks[0] if shape.chunks and shape.chunks[0] else b"abc"
    size = b"%x" % len(data)
    good_first, good_last = size + b"\r\n" + data + b"\r\n", b"0\r\n\r\n"
    if draw(st.booleans()):
        first = draw(st.sampled_from([
            b"zz\r\n" + data, b"0x" + size + b"\r\n" + data, b" " + size + b"\r\n" + data,
            size + b" \r\n" + data, b"+" + size + b"\r\n" + data, b"-" + size + b"\r\n" + data,
            b"f" * 17 + b"\r\n" + data, size + b';a="b\r\n' + data, b"\r\n" + data,
            size + b"\n" + data, size + b" ;a=b\r\n" + data, size + b"\x00\r\n" + data,
        ])) + b"\r\n"
        first = draw(st.sampled_from([first, good_first[:-2] + b"\n", good_first[:-2] + b"X\r\n",
                                      good_first[:-2] + b"XY"]))
        return _head(shape.lines(), first + good_last)
    last = draw(st.sampled_from([b"0\n\n", b"0\r\n\n", b"0\r\nX-T: y\r\n z\r\n\r\n",
                                 b"0\r\nTransfer-Encoding: y\r\n\r\n", b"0\r\nX T: y\r\n\r\n"]))
    return _head(shape.lines(), good_first + last)


def folded_header(draw: st.DrawFn, shape: Shape) -> bytes:
    lines = shape.lines()
    at = draw(st.integers(1, len(lines) - 1))
    lines[at] += b"\r\n" + draw(st.sampled_from([b" ", b"\t", b"  "])) + b"folded"
    return _head(lines, shape.payload())


def space_before_colon(draw: st.DrawFn, shape: Shape) -> bytes:
    lines = shape.lines()
    at = draw(st.integers(1, len(lines) - 1))
    name, _, value = lines[at].partition(b":")
    lines[at] = name + draw(st.sampled_from([b" ", b"\t"])) + b":" + value
    return _head(lines, shape.payload())


def bad_line_end(draw: st.DrawFn, shape: Shape) -> bytes:
    """One CRLF of the head (the empty last line's too) becomes LF, CR or LFCR."""
    lines = shape.lines() + [b""]
    at = draw(st.integers(0, len(lines) - 1))
    ending = draw(st.sampled_from([b"\n", b"\r", b"\n\r", b"\r\r\n"]))
    head = b"".join(line + (ending if i == at else b"\r\n") for i, line in enumerate(lines))
    return head + shape.payload()


def control_in_header(draw: st.DrawFn, shape: Shape) -> bytes:
    lines = shape.lines()
    at = draw(st.integers(1, len(lines) - 1))
    name, _, value = lines[at].partition(b": ")
    bad = bytes([draw(st.sampled_from([0, 1, 8, 11, 12, 14, 31, 127]))])
    if draw(st.booleans()):
        value += bad + b"x"
    else:
        name = name[:1] + bad + name[1:]
    lines[at] = name + b": " + value
    return _head(lines, shape.payload())


def bad_header_name(draw: st.DrawFn, shape: Shape) -> bytes:
    character = draw(st.sampled_from(list(b' ()<>@,;\\"/[]?={}') + [0x80, 0xff]))
    name = draw(st.sampled_from([b"", b"X-A" + bytes([character]) + b"B"]))
    lines = shape.lines()
    lines.insert(draw(st.integers(1, len(lines))), name + b": value")
    return _head(lines, shape.payload())


def host_count(draw: st.DrawFn, shape: Shape) -> bytes:
    lines = [line for line in shape.lines() if not line.startswith(b"Host:")]
    if draw(st.booleans()):
        lines += [b"Host: example.org", b"Host: " + draw(st.sampled_from([b"example.org", b"y"]))]
    return _head(lines, shape.payload())


def bad_request_line(draw: st.DrawFn, shape: Shape) -> bytes:
    method, target, version = shape.method, shape.target, shape.version
    part = draw(st.sampled_from(["method", "target", "target", "version"]))
    if part == "method":
        method = draw(st.sampled_from([b"get", b"G\x00T", b"GE(T", b"", b"FOO", b"G\xc3\xa9T"]))
    elif part == "target":
        target = draw(st.sampled_from([
            b"/es/\x00", b"/es/\x01/", b"/es/\x7f", b"/es/\xff/", b"/es/\xc3\x28/",
            "/es/ñ/".encode(),
            b"/es/%00/", b"/es/%ff/", b"/es/%c3%28/", b"/es/../", b"/es/%2e%2e/", b"/es/./a",
            b"/es\\a", b"/es/%5c", b"es/", b"*", b"/es/%0d%0aX-A:%20b",
        ]))
    else:
        version = draw(st.sampled_from([b"HTTP/1.2", b"HTTP/3.0", b"HTTP/1.1x", b"http/1.1",
                                        b"HTTP/1", b"HTTP/11.1", b"HTTP/1.1 ", b""]))
    lines = shape.lines()
    lines[0] = method + b" " + target + b" " + version
    return _head(lines, shape.payload())


def unsupported_version(draw: st.DrawFn, shape: Shape) -> bytes:
    lines = shape.lines()
    lines[0] = lines[0].rsplit(b" ", 1)[0] + b" " + draw(st.sampled_from([b"HTTP/2.0",
                                                                          b"HTTP/0.9"]))
    return _head(lines, shape.payload())


def too_big(draw: st.DrawFn, shape: Shape) -> bytes:
    kind = draw(st.sampled_from(["uri", "headers", "header_bytes", "length", "chunked_body"]))
    lines = shape.lines()
    if kind == "uri":
        lines[0] = shape.method + b" /" + b"a" * draw(st.integers(MAX_URI, 4 * MAX_URI)) + (
            b" " + shape.version)
    elif kind == "headers":
        lines[1:1] = [b"X-F%d: y" % n for n in range(draw(st.integers(MAX_HEADERS, 100)))]
    elif kind == "header_bytes":
        size = draw(st.integers(MAX_HEADER_BYTES, 8 * MAX_HEADER_BYTES))
        lines.insert(1, b"X-Big: " + b"b" * size)
    elif kind == "length":
        shape = _with_body(shape)
        lines = [b"Content-Length: %d" % draw(st.integers(MAX_BODY + 1, 10**12))
                 if line.startswith(b"Content-Length:") else line for line in shape.lines()]
        return _head(lines, shape.body)
    else:
        shape = replace(_chunked(shape), chunks=(b"c" * 1000,) * (MAX_BODY // 1000 + 1))
        return shape.encode()
    return _head(lines, shape.payload())


DEFECTS: dict[str, tuple[Defect, set[int]]] = {
    "length_and_chunked": (length_and_chunked, {400}),
    "two_lengths": (two_lengths, {400}),
    "bad_length": (bad_length, {400, 413}),
    "bad_transfer_coding": (bad_transfer_coding, {400}),
    "two_transfer_codings": (two_transfer_codings, {400}),
    "chunked_in_http10": (chunked_in_http10, {400}),
    "bad_chunk": (bad_chunk, {400, 413}),
    "folded_header": (folded_header, {400}),
    "space_before_colon": (space_before_colon, {400}),
    "bad_line_end": (bad_line_end, {400}),
    "control_in_header": (control_in_header, {400}),
    "bad_header_name": (bad_header_name, {400}),
    "host_count": (host_count, {400}),
    "bad_request_line": (bad_request_line, {400, 414, 505}),
    "unsupported_version": (unsupported_version, {505}),
    "too_big": (too_big, {413, 414, 431}),
}


@st.composite
def defective(draw: st.DrawFn) -> tuple[str, bytes, set[int]]:
    name = draw(st.sampled_from(sorted(DEFECTS)))
    make, answers = DEFECTS[name]
    return name, make(draw, draw(valid_requests())), answers


@st.composite
def truncated(draw: st.DrawFn) -> bytes:
    """A valid request cut short: the client went quiet, or away, in its middle."""
    data = draw(valid_requests()).encode()
    return data[:draw(st.integers(1, len(data) - 1))]


# --- properties ---------------------------------------------------------------------------

_TMP: list[tempfile.TemporaryDirectory] = []


def in_process() -> EdgeContext:
    """The in-process edge these tests share: small limits, no origin, and no replay
    cache (the oracles: every request parsed)."""
    return context(_tmp(), replay_entries=0)


def with_replay() -> EdgeContext:
    """The same, with the replay cache on, as the edge runs."""
    return context(_tmp())


ROBOTS = b"GET /robots.txt HTTP/1.1\r\nHost: x\r\n\r\n"


def edge(replay: bool, warm: list[bytes]) -> EdgeContext:
    """The edge under test: without the replay cache, or with it and every request of
    `warm` sent alone first, so that a read holding exactly one of them is answered
    from the cache if it begins a request, and parsed if it goes on one begun before
    (see test_replay_cache_answers_only_at_a_request_boundary)."""
    if not replay:
        return in_process()
    ctx = with_replay()
    for data in warm:
        feed(ctx, [data])
    return ctx


def _tmp() -> Path:
    if not _TMP:
        _TMP.append(tempfile.TemporaryDirectory(prefix="altavoz-fuzz-"))
    return Path(_TMP[0].name)


cuts = st.lists(st.integers(0, 1 << 16), max_size=8)


def ends(parts: list[bytes], cut: bool) -> list[int]:
    """With `cut`, where each part ends in the stream: cuts there too give each whole
    request its own read, the shape the replay cache answers."""
    return list(itertools.accumulate(len(part) for part in parts)) if cut else []
pauses = st.sets(st.integers(1, 8), max_size=4)


@EXAMPLES
@given(requests=st.lists(valid_requests() | plain_reads, min_size=1, max_size=5), cuts=cuts,
       pauses=pauses,
       replay=st.booleans(), at_ends=st.booleans())
def test_valid_pipelines_get_the_answers_each_request_gets_alone(
        requests: list[Shape], cuts: list[int], pauses: set[int], replay: bool,
        at_ends: bool) -> None:
    expected = [status for shape in requests for status in alone(shape)]
    parts = [shape.encode() for shape in requests]
    data = b"".join(parts)
    ctx = edge(replay, parts)
    transport, statuses = run(ctx, split(data, cuts + ends(parts, at_ends)), pauses)
    assert statuses == expected, data[:600]
    assert transport.closed  # by the EOF that follows, not before it


@EXAMPLES
@given(before=st.lists(valid_requests(), max_size=3), bad=defective(),
       cuts=cuts, pauses=pauses, replay=st.booleans(), at_ends=st.booleans())
def test_a_defect_gets_a_refusal_and_nothing_after_it(
        before: list[Shape], bad: tuple[str, bytes, set[int]], cuts: list[int],
        pauses: set[int], replay: bool, at_ends: bool) -> None:
    name, data, answers = bad
    expected = [status for shape in before for status in alone(shape)]
    after = ROBOTS  # must never be answered (with the replay cache on, it is in it)
    parts = [shape.encode() for shape in before] + [data, after]
    stream = b"".join(parts)
    ctx = edge(replay, parts[:-2] + [after])
    transport, statuses = run(ctx, split(stream, cuts + ends(parts, at_ends)), pauses)
    assert transport.closed
    assert statuses[:len(expected)] == expected, (name, statuses, data[:300])
    # A 100 Continue may come first when a valid head carried Expect.
    refusal = [s for s in statuses[len(expected):] if s != 100]
    assert len(refusal) == 1 and refusal[0] in answers, (name, statuses, data[:300])


@EXAMPLES
@given(before=st.lists(valid_requests(), max_size=3), cut_short=truncated(), cuts=cuts,
       replay=st.booleans())
def test_a_request_cut_short_is_never_answered_as_whole(
        before: list[Shape], cut_short: bytes, cuts: list[int], replay: bool) -> None:
    expected = [status for shape in before for status in alone(shape)]
    stream = b"".join(shape.encode() for shape in before) + cut_short
    ctx = edge(replay, [shape.encode() for shape in before])
    transport, statuses = run(ctx, split(stream, cuts))
    assert transport.closed
    assert statuses[:len(expected)] == expected
    # 408 from the timeout sweep, whatever the cuts: the request had begun (a 100
    # Continue may come before it).
    assert [s for s in statuses[len(expected):] if s != 100] == [408], statuses


def same_class(statuses: list[int]) -> list[int]:
    """Refusals as one: which check trips first can depend on where a read ends (a
    URI over the limit seen in a partial read, before the bad byte after it)."""
    return [400 if status in REFUSALS else status for status in statuses]


@EXAMPLES
@given(parts=st.lists(valid_requests().map(Shape.encode) | defective().map(lambda d: d[1])
                      | soup() | plain_reads.map(Shape.encode), min_size=1, max_size=4),
       cuts=cuts, pauses=pauses, replay=st.booleans(), at_ends=st.booleans())
def test_how_bytes_are_cut_into_reads_changes_no_answer(
        parts: list[bytes], cuts: list[int], pauses: set[int], replay: bool,
        at_ends: bool) -> None:
    data = b"".join(parts)
    _, whole = run(in_process(), [data])
    _, pieces = run(edge(replay, parts), split(data, cuts + ends(parts, at_ends)), pauses)
    assert same_class(pieces) == same_class(whole), data[:600]
    assert all(s < 500 or s in (503, 505) for s in whole)


@EXAMPLES
@given(first=plain_reads, begun=truncated(), known=plain_reads)
def test_a_known_request_after_a_begun_one_goes_on_it(
        first: Shape, begun: bytes, known: Shape) -> None:
    """test_replay_cache_answers_only_at_a_request_boundary, generalised: a read that
    is exactly a request the replay cache knows, after a read that went on from an
    answer into the start of another request, is parsed as the rest of that one."""
    ctx = edge(True, [first.encode(), known.encode()])
    _, whole = run(in_process(), [first.encode() + begun + known.encode()])
    _, pieces = run(ctx, [first.encode() + begun, known.encode()])
    assert same_class(pieces) == same_class(whole), (first, begun, known)


@pytest.mark.parametrize("path", corpus("edge_requests"), ids=lambda path: path.name)
def test_the_fuzzing_corpus_still_passes(path: Path) -> None:
    """fuzz/corpus/edge_requests: the atheris target's seeds and saved reproducers."""
    from fuzz.edge_requests import one_input

    one_input(path.read_bytes())


def test_the_harness_sees_a_bug_that_the_protocol_answers_as_400(monkeypatch) -> None:
    """httptools turns an exception in a callback into a parser error, which the edge
    answers 400: a planted bug in routing must still fail the run, not pass as a refusal."""
    import altavoz.shield.protocol

    def broken(r, edition):  # noqa: ANN001, ANN202
        raise TypeError("planted")

    ok = b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
    assert run(in_process(), [ok])[1] == [404]
    monkeypatch.setattr(altavoz.shield.protocol, "route", broken)
    with pytest.raises(AssertionError, match="planted"):
        run(in_process(), [ok])


def test_replay_cache_answers_only_at_a_request_boundary() -> None:
    """Found by fuzzing: after a pipelined answer the same read may already hold the
    start of the next request; a read after it goes on that request, even when its
    bytes are a whole request the replay cache knows."""
    ctx = with_replay()
    feed(ctx, [ROBOTS])  # now in the replay cache
    # The client sent "GET /esGET /robots.txt HTTP/1.1…": one bad request line.
    _, whole = feed(ctx, [ROBOTS + b"GET /es" + ROBOTS])
    assert whole == [200, 400]
    _, pieces = feed(ctx, [ROBOTS + b"GET /es", ROBOTS])
    assert pieces == whole  # was [200, 200]: the second read answered from the cache


def test_a_request_begun_after_an_answer_in_the_same_read_has_the_header_deadline() -> None:
    """The same root cause: a head begun after an answer, in the same read, had the
    keep-alive deadline instead of the header deadline, and no 408 at EOF."""
    _, apart = feed(in_process(), [ROBOTS, b"GET /es"])
    assert apart == [200, 408]
    _, together = feed(in_process(), [ROBOTS + b"GET /es"])
    assert together == apart  # was [200]
