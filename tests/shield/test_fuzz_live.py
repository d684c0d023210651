"""A few generated requests through a real edge process (uvloop, real sockets): the
same answers as in-process, a refusal for each defect, and an edge still alive after.

The in-process tests (test_fuzz_requests.py) run thousands of examples; these few
check that what they model is what the running server does."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.shield.conftest import Edge, Raw, _start, _stop
from tests.shield.test_fuzz_requests import (
    MAX_BODY,
    MAX_HEADER_BYTES,
    MAX_HEADERS,
    MAX_URI,
    Shape,
    alone,
    defective,
    truncated,
    valid_requests,
)

pytestmark = pytest.mark.fuzz

# The in-process context's settings (test_fuzz.context), so that answers compare: its
# small size limits, and no rate limits or challenges (many requests, one address).
LIMITS = {"ALTAVOZ_EDGE_MAX_BODY_BYTES": str(MAX_BODY),
          "ALTAVOZ_EDGE_MAX_URI_BYTES": str(MAX_URI),
          "ALTAVOZ_EDGE_MAX_HEADER_BYTES": str(MAX_HEADER_BYTES),
          "ALTAVOZ_EDGE_MAX_HEADERS": str(MAX_HEADERS),
          "ALTAVOZ_EDGE_ATTACK_LEVEL": "normal"} | {
    f"ALTAVOZ_EDGE_LIMIT_{kind}{prefix}": "off"
    for kind in ("READ", "SEARCH", "FORWARD", "COSTLY") for prefix in ("", "_PREFIX")}
AFTER = b"GET /robots.txt HTTP/1.1\r\nHost: x\r\n\r\n"  # never answered after a defect
LIVE = settings(max_examples=20, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@pytest.fixture(scope="module")
def small_edge(module_home) -> Iterator[Edge]:
    home, key = module_home
    edge = _start(home, key, "none", LIMITS)
    yield edge
    _stop(edge)


def _exchange(edge: Edge, before: list[Shape], tail: bytes) -> tuple[list[int], Raw]:
    """Send the valid requests and read the answers they must get (as the in-process
    edge gives them); then send `tail` and EOF. The answers come first so that the
    edge closing on a defect it has not read to the end (a reset) cannot lose them."""
    client = Raw(edge.connect())
    client.send(b"".join(shape.encode() for shape in before))
    statuses = []
    for shape in before:
        for expected in alone(shape):
            head_only = shape.method == b"HEAD" and expected >= 200
            statuses.append(client.response(head_only=head_only)[0])
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        client.send(tail)
        client.sock.shutdown(socket.SHUT_WR)
    return statuses, client


def _rest(client: Raw) -> list[int]:
    """The answers left before the edge closes (a reset may cut them short)."""
    try:
        closed = is_closed_keeping(client)
    except ConnectionResetError:
        closed = True
    assert closed, "the edge kept the connection open"
    statuses = []
    with contextlib.suppress(ConnectionError):  # an answer cut short by a reset
        while client.buffer:
            statuses.append(client.response()[0])
    return statuses


def is_closed_keeping(client: Raw, timeout: float = 5.0) -> bool:
    """Like conftest.is_closed, but what arrives stays in the buffer."""
    client.sock.settimeout(timeout)
    while True:
        try:
            chunk = client.sock.recv(65536)
        except TimeoutError:
            return False
        if not chunk:
            return True
        client.buffer += chunk


@LIVE
@given(before=st.lists(valid_requests(), max_size=2), bad=defective())
def test_a_defect_is_refused_by_the_running_edge(small_edge: Edge, before: list[Shape],
                                                 bad: tuple[str, bytes, set[int]]) -> None:
    name, data, answers = bad
    statuses, client = _exchange(small_edge, before, data + AFTER)
    assert statuses == [s for shape in before for s in alone(shape)]
    rest = [s for s in _rest(client) if s != 100]
    client.close()
    # A refusal, or (when the edge closed while we were still sending) a reset.
    assert rest == [] or (len(rest) == 1 and rest[0] in answers), (name, rest, data[:200])


@LIVE
@given(before=st.lists(valid_requests(), max_size=2), cut_short=truncated())
def test_a_request_cut_short_by_eof_is_not_answered(small_edge: Edge, before: list[Shape],
                                                    cut_short: bytes) -> None:
    statuses, client = _exchange(small_edge, before, cut_short)
    assert statuses == [s for shape in before for s in alone(shape)]
    assert [s for s in _rest(client) if s != 100] == []
    client.close()


def test_the_edge_is_still_serving_after_the_fuzzing(small_edge: Edge) -> None:
    assert small_edge.process.poll() is None
    response, body = small_edge.get("/healthz")
    assert response.status == 200 and b'"edition"' in body
    client = Raw(small_edge.connect())
    client.send(b"GET /robots.txt HTTP/1.1\r\nHost: x\r\n\r\n")
    assert client.response()[0] == 200
    client.send(b"GET /es/ HTTP/1.1\r\nHost: x\r\n\r\n")  # kept alive
    assert client.response()[0] == 200
    client.close()
