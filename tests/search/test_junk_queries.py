"""Whatever a reader (or an attacker) types, search answers: never an FTS5 or
tsquery syntax error, never a 500. Run on both backends."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from altavoz.newsroom.models import Article

SYNTAX = list('"()*^:-+{}[]\'\\;,.!?¿¡&|~<>%_') + [
    "AND", "OR", "NOT", "NEAR", "NEAR(", "title:", "body:", "{title}", "!!", "<->", "'",
    "\x00", "\ud7ff", "ñ", "Ó", "o\u0301", "\u200b", "\ufeff", "🏳️‍🌈", "文字", "agua", "campesinos",
]
QUERIES = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(SYNTAX), max_size=40).map(" ".join),
    st.lists(st.sampled_from(SYNTAX), max_size=40).map("".join),
)


@pytest.fixture
def indexed(db, publish, opinion):
    publish("Asamblea campesina en Lara", lede="Agua y tierra.")
    publish("Water for the barrio", language="en", section=opinion)
    return Article.objects.count()


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=QUERIES, page=st.integers(min_value=1, max_value=5),
       language=st.sampled_from([None, "es", "en", "xx"]))
@example(query="\x00" * 10, page=1, language=None)
@example(query="x" * 10_000, page=1, language=None)
@example(query='"' * 501, page=1, language="es")
@example(query="-agua -tierra", page=1, language=None)
@example(query="el -agua", page=1, language=None)
@example(query='((("agua" AND NOT campesinos*) OR NEAR(a b, 2)) ^title:x', page=2,
         language="en")
def test_any_query_returns_results_not_errors(backend, indexed, query, page, language):
    results = backend.search(query, language=language, page=page, page_size=1)
    assert results.total >= len(results.hits) >= 0
    assert all(isinstance(hit.article_id, int) for hit in results.hits)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.one_of(st.none(), st.dates(), st.datetimes()),
       end=st.one_of(st.none(), st.dates(), st.datetimes()),
       section=st.one_of(st.none(), st.text(max_size=20)))
@example(start=date.min, end=date.max, section=None)
@example(start=datetime.max, end=datetime.min, section="news")
def test_any_filter_values_return_results_not_errors(backend, indexed, start, end, section):
    results = backend.search("agua", date_from=start, date_to=end, section=section)
    assert results.total >= 0


def test_exclusions_alone_find_nothing_rather_than_everything(backend, indexed):
    assert backend.search("-agua").total == 0
    assert backend.search("-agua -tierra").total == 0


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=QUERIES, extra=st.dictionaries(
    st.sampled_from(["section", "language", "from", "to", "page"]),
    st.one_of(st.text(max_size=30), st.sampled_from(
        ["2025-01-01", "2025-13-45", "0001-01-01", "9999-12-31", "news", "es", "0", "-1"])),
    max_size=5))
def test_the_results_page_never_answers_500(client, indexed, query, extra):
    params = {"q": query, **extra}
    response = client.get("/es/search/", params)
    assert response.status_code in {200, 400, 404}, (params, response.status_code)
