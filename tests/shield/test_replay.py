"""The replay cache: a repeated request gets exactly the answer parsing would give."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from altavoz.shield import clock
from altavoz.shield.context import EdgeContext
from altavoz.shield.loader import Loader
from altavoz.shield.protocol import EdgeProtocol
from altavoz.shield.request import HEAD, IDLE
from altavoz.shield.settings import from_env
from tests.shield.synthetic import Page, default_pages, make_home, write_edition
from tests.shield.test_fuzz import FakeTransport, statuses_of

DATE = re.compile(rb"Date: [^\r]+\r\n")
ARTICLE = b"GET /es/article/asamblea/ HTTP/1.1\r\nHost: x\r\nAccept-Encoding: br\r\n\r\n"


@pytest.fixture
def ctx(tmp_path: Path) -> EdgeContext:
    home, key = make_home(tmp_path)
    write_edition(home, key)
    loader = Loader(home)
    loader.switch(loader.check())  # type: ignore[arg-type]
    context = EdgeContext(from_env(home=home, listen="127.0.0.1:0", origin="none"), loader)
    context.home_key = (home, key)  # type: ignore[attr-defined]
    return context


def answers(ctx: EdgeContext, *reads: bytes, peer: str = "127.0.0.1") -> list[bytes]:
    protocol = EdgeProtocol(ctx)
    transport = FakeTransport()
    transport.get_extra_info = lambda name, default=None: (  # type: ignore[method-assign]
        (peer, 5000) if name == "peername" else default)
    protocol.connection_made(transport)  # type: ignore[arg-type]
    outs = []
    for data in reads:
        before = len(transport.out)
        protocol.data_received(data)
        outs.append(DATE.sub(b"", transport.out[before:]))
    protocol.connection_lost(None)
    return outs


def test_a_repeated_request_is_answered_the_same_without_parsing(ctx: EdgeContext) -> None:
    first, second, third = answers(ctx, ARTICLE, ARTICLE, ARTICLE)
    assert first == second == third and first.startswith(b"HTTP/1.1 200 ")
    assert b"Content-Encoding: br" in first
    assert ctx.metrics.replayed == 2
    assert ctx.metrics.edition == 3
    # Another connection gets it from the cache too.
    assert answers(ctx, ARTICLE) == [first]
    assert ctx.metrics.replayed == 3


@pytest.mark.parametrize("request_bytes", [
    b"HEAD /es/ HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /media/a/photo.jpg HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\n\r\n",
    b"GET /es/?x=1 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /es/ HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
])
def test_replayed_answers_equal_parsed_ones(ctx: EdgeContext, request_bytes: bytes) -> None:
    parsed, replayed = answers(ctx, request_bytes, request_bytes)
    assert parsed == replayed
    assert ctx.metrics.replayed == 1


def test_conditional_requests_replay_their_304(ctx: EdgeContext) -> None:
    etag = ctx.loader.edition.paths[b"/es/"].identity.etag  # type: ignore[union-attr]
    request = b"GET /es/ HTTP/1.1\r\nHost: x\r\nIf-None-Match: " + etag + b"\r\n\r\n"
    parsed, replayed = answers(ctx, request, request)
    assert parsed.startswith(b"HTTP/1.1 304 ") and parsed == replayed
    assert ctx.metrics.replayed == 1


@pytest.mark.parametrize("reads", [
    [b"GET /es/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"] * 2,  # closes after one
    [b"GET /es/ HTTP/1.1\r\nHost: x\r\n\r\nGET /en/ HTTP/1.1\r\nHost: x\r\n\r\n"] * 2,
    [b"GET /es/ HTTP/1.1\r\nHost: x\r\n\r\nGE", b"T /en/ HTTP/1.1\r\nHost: x\r\n\r\n"],
    [b"GET /nowhere/ HTTP/1.1\r\nHost: x\r\n\r\n"] * 2,
    [b"GET /es/ HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab"] * 2,
    [b"GET /es/ HTTP/1.1\r\n", b"Host: x\r\n\r\n", b"GET /es/ HTTP/1.1\r\n"],
    # Parsed, it gets a 100 Continue before its answer: a replay would leave it out.
    [b"GET /es/ HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n"] * 2,
])
def test_other_shapes_are_not_remembered(ctx: EdgeContext, reads: list[bytes]) -> None:
    answers(ctx, *reads)
    assert ctx.metrics.replayed == 0


def test_a_trusted_proxys_requests_are_not_replayed(tmp_path: Path) -> None:
    import ipaddress

    home, key = make_home(tmp_path)
    write_edition(home, key)
    loader = Loader(home)
    loader.switch(loader.check())  # type: ignore[arg-type]
    settings = from_env(home=home, listen="127.0.0.1:0", origin="none").with_(
        trusted_proxies=(ipaddress.ip_network("10.0.0.0/8"),))
    ctx = EdgeContext(settings, loader)
    answers(ctx, ARTICLE, ARTICLE, peer="10.1.2.3")
    assert ctx.metrics.replayed == 0


def test_an_edition_switch_forgets_every_answer(ctx: EdgeContext) -> None:
    home, key = ctx.home_key  # type: ignore[attr-defined]
    request = b"GET /es/ HTTP/1.1\r\nHost: x\r\n\r\n"
    old, _ = answers(ctx, request, request)
    assert ctx.replay.answers
    pages = default_pages()
    pages["/es/"] = Page(b"<!DOCTYPE html><title>nueva</title>", lang="es")
    write_edition(home, key, pages)
    ctx.loader.switch(ctx.loader.check())  # type: ignore[arg-type]
    assert not ctx.replay.answers
    (new,) = answers(ctx, request)
    assert new != old and new.endswith(b"<title>nueva</title>")


# --- request boundaries: the cache answers only a read that begins one ---------------------

ROBOTS = b"GET /robots.txt HTTP/1.1\r\nHost: x\r\n\r\n"


def test_a_read_that_goes_on_a_begun_request_is_parsed_not_replayed(ctx: EdgeContext) -> None:
    answers(ctx, ROBOTS)  # now in the cache
    # "GET /es" + ROBOTS is one request line, "GET /esGET /robots.txt HTTP/1.1": a 400.
    first, second = answers(ctx, ROBOTS + b"GET /es", ROBOTS)
    assert first.startswith(b"HTTP/1.1 200 ") and first.count(b"HTTP/1.1 ") == 1
    assert second.startswith(b"HTTP/1.1 400 ")
    assert ctx.metrics.replayed == 0


def test_line_breaks_between_requests_do_not_begin_one(ctx: EdgeContext) -> None:
    """A client may send CRLF after a request (RFC 9112 2.2); that is no request begun."""
    answers(ctx, ROBOTS)
    outs = answers(ctx, ROBOTS + b"\r\n", ROBOTS)
    assert outs[0] == outs[1] and outs[0].startswith(b"HTTP/1.1 200 ")
    assert ctx.metrics.replayed == 1


def test_a_pipelined_read_ending_at_a_boundary_keeps_the_cache(ctx: EdgeContext) -> None:
    answers(ctx, ROBOTS)
    outs = answers(ctx, ROBOTS + ROBOTS, ROBOTS)
    assert outs[0] == outs[1] * 2
    assert ctx.metrics.replayed == 1  # the whole request alone in its read


def test_a_request_begun_in_a_read_has_the_header_deadline_from_its_first_byte(
        ctx: EdgeContext) -> None:
    protocol = EdgeProtocol(ctx)
    protocol.connection_made(FakeTransport())  # type: ignore[arg-type]
    header_timeout = ctx.settings.header_timeout
    protocol.data_received(ROBOTS)
    assert protocol.state == IDLE  # waiting, on the keep-alive deadline
    clock.now += 1.0
    protocol.data_received(ROBOTS + b"GET /es")
    begun = clock.now
    assert protocol.state == HEAD and protocol.deadline == begun + header_timeout
    clock.now += 1.0
    protocol.data_received(b"/ HTTP/1.1\r\n")  # later bytes do not stretch it
    assert protocol.state == HEAD and protocol.deadline == begun + header_timeout
    protocol.connection_lost(None)


class _HeldOrigin:
    """An origin that answers when told to."""

    def __init__(self) -> None:
        self.go = asyncio.Event()
        self.jobs = 0

    async def forward(self, job: object, sink: EdgeProtocol) -> SimpleNamespace:
        self.jobs += 1
        await self.go.wait()
        sink.send(b"HTTP/1.1 204 No Content\r\n\r\n")
        return SimpleNamespace(status=204, must_close=False)


def test_a_request_begun_behind_a_forwarded_one_is_parsed_not_replayed(
        ctx: EdgeContext) -> None:
    answers(ctx, ROBOTS)
    post = b"POST /es/write/ HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab"

    async def scenario() -> tuple[FakeTransport, EdgeProtocol]:
        ctx.origin = origin = _HeldOrigin()  # type: ignore[assignment]
        protocol = EdgeProtocol(ctx)
        transport = FakeTransport(protocol)
        protocol.connection_made(transport)  # type: ignore[arg-type]
        protocol.data_received(post + b"GET /es")
        await asyncio.sleep(0)
        assert protocol.busy and origin.jobs == 1
        origin.go.set()
        while protocol.busy:
            await asyncio.sleep(0)
        # The begun head has the header deadline (from now: nothing was read meanwhile).
        assert protocol.state == HEAD
        assert protocol.deadline == clock.now + ctx.settings.header_timeout
        protocol.data_received(ROBOTS)
        return transport, protocol

    transport, protocol = asyncio.run(scenario())
    assert statuses_of(transport.writes) == [204, 400]
    assert ctx.metrics.replayed == 0
    protocol.connection_lost(None)


def test_a_request_parsed_behind_a_forwarded_one_does_not_time_it_out(
        ctx: EdgeContext) -> None:
    """Its head and body were read with the forwarded one; while the origin works,
    only the origin's own timeout applies, not that request's body deadline."""
    post = b"POST /es/write/ HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab"

    async def scenario() -> FakeTransport:
        ctx.origin = origin = _HeldOrigin()  # type: ignore[assignment]
        protocol = EdgeProtocol(ctx)
        transport = FakeTransport(protocol)
        protocol.connection_made(transport)  # type: ignore[arg-type]
        protocol.data_received(post + ROBOTS)
        assert protocol.busy
        protocol.check(clock.now + ctx.settings.body_timeout + 1)  # a slow origin
        assert not transport.closed
        origin.go.set()
        while protocol.busy:
            await asyncio.sleep(0)
        protocol.connection_lost(None)
        return transport

    assert statuses_of(asyncio.run(scenario()).writes) == [204, 200]
