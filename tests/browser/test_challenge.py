"""The edge's challenge in a real browser (issue #5, "done when"): under attack,
Chromium with JavaScript solves the proof of work in a Web Worker and lands on
the page it asked for; with JavaScript off, the meta refresh gets it through
after the wait. The edge runs as in tests/shield, on a synthetic edition."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.shield.conftest import Edge, _start, _stop, dead_port
from tests.shield.synthetic import make_home, write_edition

pytestmark = pytest.mark.browser

ARTICLE = "/es/article/asamblea/"


@pytest.fixture
def attacked_edge(tmp_path: Path) -> Iterator[Callable[..., Edge]]:
    started: list[Edge] = []

    def start(**env: str) -> Edge:
        home = make_home(tmp_path / f"edge{len(started)}")
        write_edition(*home)
        edge = _start(home[0], home[1], f"127.0.0.1:{dead_port()}",
                      {"ALTAVOZ_EDGE_ATTACK_LEVEL": "under_attack", **env})
        started.append(edge)
        return edge

    yield start
    for edge in started:
        _stop(edge)


def _visit(browser, edge: Edge, path: str,
           javascript: bool) -> tuple[object, list[str], object]:
    """Ask for `path`; return the page, the clearance requests it makes (filled in
    as they happen), and the first answer."""
    context = browser.new_context(locale="es-VE", java_script_enabled=javascript)
    page = context.new_page()
    passes: list[str] = []
    page.on("request", lambda request: passes.append(request.url)
            if "/.well-known/altavoz/clearance" in request.url else None)
    first = page.goto(f"http://127.0.0.1:{edge.port}{path}")
    return page, passes, first


def test_with_javascript_the_worker_solves_it(browser, attacked_edge) -> None:
    # A long wait: only the proof of work can get through in time.
    edge = attacked_edge(ALTAVOZ_EDGE_CHALLENGE_WAIT="120")
    page, passes, first = _visit(browser, edge, "/", javascript=True)  # the front page
    assert first.status == 503
    page.locator("article h1").wait_for(timeout=30_000)
    assert page.locator("article h1").inner_text() == "Portada"
    assert page.url.endswith("/es/")
    assert len(passes) == 1 and "?t=" in passes[0] and "&n=" in passes[0]
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "altavoz_clearance"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    # The cookie lets the next pages through without asking again.
    assert page.goto(f"http://127.0.0.1:{edge.port}{ARTICLE}").status == 200
    page.context.close()


def test_without_javascript_the_wait_gets_through(browser, attacked_edge) -> None:
    edge = attacked_edge(ALTAVOZ_EDGE_CHALLENGE_WAIT="2")
    page, passes, first = _visit(browser, edge, ARTICLE, javascript=False)
    assert first.status == 503
    assert page.get_by_role("heading", level=1).inner_text() == "Un momento, por favor"
    assert "Espera 2 segundos" in page.get_by_role("status").inner_text()
    page.locator("article h1").wait_for(timeout=30_000)
    assert page.locator("article h1").inner_text() == "Asamblea campesina"
    assert page.url.endswith(ARTICLE)
    assert passes and all("?w=" in url for url in passes)
    page.context.close()


def test_a_feed_reader_gets_the_feed(browser, attacked_edge) -> None:
    edge = attacked_edge()
    context = browser.new_context(java_script_enabled=False)
    response = context.request.get(f"http://127.0.0.1:{edge.port}/es/feed/")
    assert response.status == 200 and b"<feed" in response.body()
    context.close()
