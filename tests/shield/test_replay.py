"""The replay cache: a repeated request gets exactly the answer parsing would give."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from altavoz.shield.context import EdgeContext
from altavoz.shield.loader import Loader
from altavoz.shield.protocol import EdgeProtocol
from altavoz.shield.settings import from_env
from tests.shield.synthetic import Page, default_pages, make_home, write_edition
from tests.shield.test_fuzz import FakeTransport

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
