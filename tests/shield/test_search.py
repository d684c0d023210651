"""Searches answered at the edge from the edition's index, through a real edge
subprocess, on an edition built in-process from a real small site: the origin
(a recording stand-in) must receive nothing. The origin's own search page for
the same query is rendered too, to hold the edge to the same bytes."""

from __future__ import annotations

import difflib
import gzip
import http.client
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, transaction
from django.test import Client, override_settings
from django.utils import timezone

from altavoz.editions import signing
from altavoz.editions.build import build
from altavoz.home import initialise
from altavoz.newsroom.models import Article, Section
from altavoz.people.models import Organization
from tests.conftest import make_article, make_user
from tests.shield.conftest import Edge, Origin, _start, _stop, recording_origin
from tests.shield.synthetic import make_home, write_edition

# pytest-django makes the test database only for a run that has a test asking for it.
pytestmark = pytest.mark.django_db
PAGE_SIZE = 2
NO_LIMITS = {name: "off" for name in (
    "ALTAVOZ_EDGE_LIMIT_READ", "ALTAVOZ_EDGE_LIMIT_READ_PREFIX", "ALTAVOZ_EDGE_LIMIT_SEARCH",
    "ALTAVOZ_EDGE_LIMIT_SEARCH_PREFIX", "ALTAVOZ_EDGE_LIMIT_FORWARD",
    "ALTAVOZ_EDGE_LIMIT_FORWARD_PREFIX")}
# Queries whose snippets come from the summary: there the edge's page is the
# origin's, byte for byte.
SAME_AS_ORIGIN = ["/es/search/?q=campesina", "/es/search/?q=asamblea&page=2",
                  "/en/search/?q=farmer", "/es/search/?q=asamblea&section=campo",
                  "/es/search/?q=asamblea&language=es&from=2020-01-01&to=2999-12-31",
                  "/es/search/?q=-asamblea", "/en/search/?q=asamblea+-campesinos"]


@dataclass
class Site:
    home: Path
    origin_pages: dict[str, tuple[int, bytes]]


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("search")
    home = tmp / "home"
    initialise(home)
    with (django_db_blocker.unblock(),
          override_settings(MEDIA_ROOT=tmp / "media", ALTAVOZ_PAGE_SIZE=PAGE_SIZE),
          transaction.atomic()):
        field = Section.objects.create(slug="campo", names={"es": "Campo", "en": "Countryside"})
        city = Section.objects.create(slug="ciudad", names={"es": "Ciudad", "en": "City"})
        ana = make_user("ana", display_name="Ana Pérez")
        union = Organization.objects.create(slug="sindicato", name="Sindicato <Textil>",
                                            kind=Organization.Kind.UNION)
        published = Article.Status.PUBLISHED
        make_article(ana, field, title="Asamblea campesina en El Valle", status=published,
                     lede="Los campesinos se reunieron en asamblea.",
                     body="La cooperativa discutió el riego del valle.")
        make_article(ana, field, title="Segunda asamblea", status=published,
                     lede="Otra asamblea de la comunidad.", body="Hubo una reunión larga.",
                     published_at=timezone.now() - timedelta(days=3), organization=union)
        make_article(None, city, title="Asamblea de vecinos", status=published,
                     lede="Los vecinos hablaron de agua en asamblea.",
                     body="Una reunión en el barrio.",
                     published_at=timezone.now() - timedelta(days=40))
        make_article(ana, field, title="Farmers meet", language="en", status=published,
                     lede="Farmers met in an asamblea to talk about water.",
                     body="Irrigation was the main topic.")
        make_article(ana, field, title="Anuncio clandestino", status=published,
                     lede="Todavía no.", body="Palabra secretísima.",
                     published_at=timezone.now() + timedelta(days=2))
        build(home, collect_static=False)
        client = Client()
        origin_pages = {}
        for url in SAME_AS_ORIGIN:
            response = client.get(url)
            origin_pages[url] = (response.status_code, response.content)
        yield Site(home, origin_pages)
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def origin() -> Iterator[Origin]:
    with recording_origin() as record:
        yield record


@pytest.fixture(scope="module")
def edge(site: Site, origin: Origin) -> Iterator[Edge]:
    started = _start(site.home, signing.load_signing_key(site.home), origin.address, NO_LIMITS)
    yield started
    _stop(started)


@pytest.fixture(autouse=True)
def _origin_hears_nothing(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test here but the fallback's: nothing reaches the origin."""
    yield
    if "edge" in request.fixturenames:
        assert request.getfixturevalue("origin").seen == []


def metric(edge: Edge, name: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", edge.metrics_port, timeout=5)
    try:
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
    finally:
        conn.close()
    found = re.search(rf"^altavoz_edge_{name}_total (\d+)$", text, re.MULTILINE)
    assert found, name
    return int(found.group(1))


def get(edge: Edge, url: str, **headers: str) -> tuple[int, str, http.client.HTTPResponse]:
    response, body = edge.get(url, headers)
    return response.status, body.decode(), response


def results(body: str) -> list[str]:
    return re.findall(r'<h2><a href="([^"]+)">', body)


def test_the_edge_page_is_the_origin_page(edge: Edge, site: Site):
    # The edge always searches the edition's FTS5 index. On PostgreSQL the origin
    # searches with PostgreSQL's own full-text matching, whose ranking and
    # cross-language stemming differ: there only the kind of answer is the same.
    # Where the origin searches FTS5 too (SQLite), the pages are byte for byte equal.
    same_engine = connection.vendor == "sqlite"
    for url in SAME_AS_ORIGIN:
        status, body, response = get(edge, url)
        expected_status, expected = site.origin_pages[url]
        assert status == expected_status, url
        if not same_engine:
            assert bool(results(body)) == bool(results(expected.decode())), url
            continue
        difference = "\n".join(difflib.unified_diff(
            expected.decode().splitlines(), body.splitlines(), "origin", "edge", lineterm=""))
        assert not difference, f"{url}\n{difference}"
        assert response.getheader("X-Robots-Tag") == "noindex"


def test_a_word_of_the_body_and_a_stemmed_form_find_the_article(edge: Edge):
    status, body, _ = get(edge, "/es/search/?q=riego")  # only in the body
    assert status == 200
    assert results(body) == ["/es/article/asamblea-campesina-en-el-valle/"]
    assert "Un artículo contiene “riego”." in body
    status, body, _ = get(edge, "/es/search/?q=campesina")  # the lede says "campesinos"
    assert results(body) == ["/es/article/asamblea-campesina-en-el-valle/"]
    assert "<mark>campesinos</mark>" in body
    assert '<time datetime="' in body and " · <a href=\"/es/section/campo/\">Campo</a>" in body
    status, body, _ = get(edge, "/en/search/?q=irrigating")  # "Irrigation", stemmed
    assert results(body) == ["/en/article/farmers-meet/"]
    assert "One article contains “irrigating”." in body
    assert '<html lang="en">' in body


def test_results_show_bylines_sections_and_the_reader_language(edge: Edge):
    status, body, _ = get(edge, "/en/search/?q=asamblea")
    assert status == 200 and "4 articles contain “asamblea”." in body
    assert "Page 1 of 2" in body and 'rel="next" href="/en/search/?q=asamblea&amp;page=2"' in body
    # Spanish articles on the English page carry their language.
    assert '<li lang="es"><article>' in body
    assert '<a href="/en/section/campo/">Countryside</a>' in body
    status, body, _ = get(edge, "/es/search/?q=comunidad")
    assert '<a href="/es/organization/sindicato/">Sindicato &lt;Textil&gt;</a> · ' in body
    status, body, _ = get(edge, "/es/search/?q=vecinos")
    assert '<p class="meta">anónimo · <a href="/es/section/ciudad/">Ciudad</a>' in body
    status, body, _ = get(edge, "/en/search/?q=vecinos")
    assert '<p class="meta">anonymous · <a href="/en/section/ciudad/">City</a>' in body


def test_the_query_is_escaped(edge: Edge):
    attack = '<script>alert(1)</script> asamblea "><img src=x onerror=alert(2)>'
    status, body, _ = get(edge, "/es/search/?q=" + quote(attack))
    assert status == 200
    assert "<script>alert(1)" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; asamblea" in body
    assert 'value="&lt;script&gt;' in body


def test_a_scheduled_article_is_not_found(edge: Edge):
    status, body, _ = get(edge, "/es/search/?q=secretisima")
    assert status == 200
    assert "Ningún artículo contiene todas estas palabras" in body
    assert "clandestino" not in body


def test_pages_and_their_end(edge: Edge):
    status, body, _ = get(edge, "/es/search/?q=asamblea")
    assert status == 200 and len(results(body)) == PAGE_SIZE
    status, second, _ = get(edge, "/es/search/?q=asamblea&page=2")
    assert status == 200 and len(results(second)) == 2  # four in all, in two languages
    assert 'rel="prev" href="/es/search/?q=asamblea"' in second and "Página 2 de 2" in second
    assert '<ol class="items results" start="3">' in second
    assert not set(results(body)) & set(results(second))
    for page in ("3", "0", "abc", "1234567"):
        status, _body, _ = get(edge, f"/es/search/?q=asamblea&page={page}")
        assert status == 404, page


def test_empty_no_words_too_long_and_bad_filters_get_clear_answers(edge: Edge):
    status, body, _ = get(edge, "/es/search/?q=")
    assert status == 200 and body == get(edge, "/es/search/")[1]  # the edition's own page
    status, body, _ = get(edge, "/es/search/?q=-asamblea")
    assert status == 200 and "no hay palabras que buscar" in body
    status, body, _ = get(edge, "/es/search/?q=" + "palabra+" * 60)  # cut at 200 characters
    assert status == 200 and "Ningún artículo" in body
    status, _body, _ = get(edge, "/es/search/?q=" + "a" * 5000)  # past the URI limit
    assert status == 414
    status, body, _ = get(edge, "/es/search/?q=asamblea&section=nada&from=ayer")
    assert status == 400 and 'role="alert"' in body
    assert "Esa sección no existe" in body and "Escribe la fecha como año-mes-día" in body
    assert 'value="ayer"' in body
    status, body, _ = get(edge, "/es/search/?q=asamblea&from=2025-02-01&to=2025-01-01")
    assert status == 400 and "La fecha final es anterior" in body


def test_cache_busting_parameters_share_one_entry(edge: Edge):
    before = metric(edge, "searches")
    bodies = {get(edge, f"/es/search/?q=barrio&utm_source={n}&x={n}&_={n}")[1]
              for n in range(20)}
    assert len(bodies) == 1 and "Asamblea de vecinos" in bodies.pop()
    assert metric(edge, "searches") - before == 1


def test_a_flood_of_one_query_runs_it_once(edge: Edge):
    before, cached = metric(edge, "searches"), metric(edge, "search_cached")
    statuses: list[int] = []

    def one() -> None:
        statuses.append(get(edge, "/en/search/?q=water")[0])

    threads = [threading.Thread(target=one) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert statuses == [200] * 30
    assert metric(edge, "searches") - before == 1
    assert metric(edge, "search_cached") - cached == 29


def test_gzip_and_head(edge: Edge):
    response, body = edge.get("/es/search/?q=asamblea", {"Accept-Encoding": "gzip"})
    assert response.getheader("Content-Encoding") == "gzip"
    assert response.getheader("Vary") == "Accept-Encoding"
    assert "contienen “asamblea”" in gzip.decompress(body).decode()
    response, body = edge.get("/es/search/?q=asamblea", method="HEAD")
    assert response.status == 200 and body == b""


def test_filtered_api_reads_still_go_to_the_origin(start_edge, origin: Origin, site: Site):
    edge = start_edge(origin=origin.address, env=NO_LIMITS,
                      home=(site.home, signing.load_signing_key(site.home)))
    status, body, _ = get(edge, "/api/v1/articles?q=asamblea")
    assert status == 200 and body.startswith("origin says")
    assert [seen.path for seen in origin.seen] == ["/api/v1/articles?q=asamblea"]
    origin.seen.clear()


def test_without_a_usable_index_searches_go_to_the_origin(start_edge, tmp_path: Path):
    home = make_home(tmp_path)
    write_edition(*home)  # its index blob is not an SQLite file
    with recording_origin() as record:
        edge = start_edge(origin=record.address, env=NO_LIMITS, home=home)
        for _ in range(3):
            status, body, _ = get(edge, "/es/search/?q=asamblea")
            assert status == 200 and body == "origin says: GET /es/search/?q=asamblea"
        assert len(record.seen) == 3
        edge.process.terminate()
        _out, log = edge.process.communicate(timeout=10)
    assert log.count("searches go to the origin") == 1


# --- in-process: the bounds -------------------------------------------------------------


@pytest.fixture(scope="module")
def loaded(site: Site):
    from altavoz.editions import store
    from altavoz.shield.loader import Loader

    edition = Loader(site.home).load(store.current_id(site.home))
    assert edition.search is not None
    return edition.search


def test_a_query_past_its_time_is_interrupted(loaded):
    import sqlite3
    import time

    from altavoz.shield import search

    request = loaded.read("/es/search/", b"q=asamblea")
    with pytest.raises(search.Busy):  # its whole time went waiting in the queue
        loaded.run(request, time.monotonic() - 1)
    cursor = loaded.index.cursor()
    search._deadline.at = time.monotonic() - 1  # as if the clock ran out mid-query
    with pytest.raises(sqlite3.OperationalError, match="interrupt"):
        cursor.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                       "WHERE i < 10000000) SELECT count(*) FROM n").fetchone()
    with pytest.raises(sqlite3.OperationalError):  # and the index is read-only
        cursor.execute("DELETE FROM search_result")


def test_past_the_queue_a_search_is_refused_at_once(loaded, monkeypatch):
    import asyncio

    from altavoz.shield import search
    from altavoz.shield.metrics import Metrics
    from altavoz.shield.settings import EdgeSettings, parse_address

    settings = EdgeSettings(home=Path("."), listen=parse_address("127.0.0.1:0", "x"),
                            origin=None, metrics_listen=None, search_threads=1, search_queue=0)
    searcher = search.Searcher(settings, Metrics())
    release = threading.Event()
    monkeypatch.setattr(type(loaded), "run", lambda self, request, deadline: (
        release.wait(5), search.Page(200, b"", b"ok"))[1])

    async def flood() -> list:
        first = asyncio.ensure_future(searcher.answer(loaded, loaded.read(
            "/es/search/", b"q=uno")))
        await asyncio.sleep(0.05)
        refused = []
        for words in (b"q=dos", b"q=tres"):
            try:
                await searcher.answer(loaded, loaded.read("/es/search/", words))
            except search.Busy:
                refused.append(words)
        release.set()
        return [refused, (await first).body]

    assert asyncio.run(flood()) == [[b"q=dos", b"q=tres"], b"ok"]
    assert searcher.metrics.search_shed == 2 and searcher.pending == 0
