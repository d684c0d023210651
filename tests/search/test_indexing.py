"""Keeping the index in step: bulk writes and rebuilds, the reindex command,
`altavoz seed`, orphan pruning, the ranking window, and a standalone index file."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from altavoz.newsroom.models import Article, TranslationGroup
from altavoz.search import documents, fts5
from altavoz.search.indexing import rebuild
from altavoz.search.query import parse_query
from tests.search.conftest import ids


def _bulk(section, titles: list[str]) -> list[Article]:
    """Articles written the way seeding writes them: bulk_create, no signals."""
    now = timezone.now()
    return Article.objects.bulk_create([
        Article(group=TranslationGroup.objects.create(), language="es", title=title,
                slug=f"bulk-{n}", lede="Resumen.", body="Texto.", section=section,
                status=Article.Status.PUBLISHED, published_at=now - timedelta(hours=n + 1))
        for n, title in enumerate(titles)
    ])


def test_bulk_writes_are_found_after_a_rebuild(backend, section, publish):
    kept = publish("Vivienda digna ya")
    made = _bulk(section, ["Vivienda en Caracas", "Vivienda en Mérida"])
    assert ids(backend.search("vivienda")) == [kept.pk]  # no signals, not indexed yet
    assert rebuild() == 3
    assert set(ids(backend.search("vivienda"))) == {kept.pk, *(a.pk for a in made)}
    assert backend.indexed_ids() == {kept.pk, *(a.pk for a in made)}


def test_reindex_command(backend, section, capsys):
    _bulk(section, ["Salud comunitaria"])
    call_command("reindex")
    assert "Indexed 1 articles" in capsys.readouterr().out
    assert backend.search("salud").total == 1


def test_altavoz_seed_indexes_what_it_wrote(backend):
    from altavoz.cli import main

    assert main(["seed", "--articles", "40", "--seed", "3"]) == 0
    published = set(Article.objects.filter(status=Article.Status.PUBLISHED)
                    .values_list("pk", flat=True))
    assert published and backend.indexed_ids() == published
    title = Article.objects.listed().order_by("pk").values_list("title", flat=True).first()
    word = max(title.split(), key=len).strip(",.:;¿?¡!«»\"'")
    assert backend.search(word).total >= 1


def test_prune_drops_entries_of_vanished_articles(backend, publish):
    from django.db import connection

    gone = publish("Desaparecida")
    kept = publish("Presente")
    with connection.cursor() as cursor:  # gone by SQL, as `flush` does: no signals
        cursor.execute(f"DELETE FROM {Article._meta.db_table} WHERE id = %s", [gone.pk])
    assert gone.pk in backend.indexed_ids()
    assert backend.prune() == 1
    assert backend.indexed_ids() == {kept.pk}


def test_relevance_ranks_the_newest_window_then_older_follow(backend, publish):
    backend.rank_window = 2
    old_title = publish("Cooperativa textil", body="Texto.", days_ago=10)
    old_body = publish("Informe viejo", body="Una cooperativa.", days_ago=9)
    new_body = publish("Informe nuevo", body="Una cooperativa.", days_ago=2)
    new_title = publish("La cooperativa crece", body="Texto.", days_ago=1)
    first = backend.search("cooperativa", page=1, page_size=3)
    second = backend.search("cooperativa", page=2, page_size=3)
    assert first.total == second.total == 4
    # The two newest, by relevance; then the older ones, newest first.
    assert ids(first) + ids(second) == [new_title.pk, new_body.pk, old_body.pk, old_title.pk]


def test_standalone_index_file_answers_like_the_origin(tmp_path, publish, opinion):
    a = publish("Radio comunitaria en Mérida", section=opinion)
    b = publish("Community radio", language="en", lede="Radios in the hills.")
    path = tmp_path / "search.sqlite3"
    publish("Borrador sobre radios", status=Article.Status.DRAFT, published_at=None)
    assert fts5.build_file(path, documents.iter_all(batch_size=1)) == 2
    con = sqlite3.connect(path)
    try:
        now = documents.microseconds(timezone.now())

        def find(q: str, languages: list[str], **filters) -> list[int]:
            match = fts5.match_expression(parse_query(q), languages)
            return [pk for pk, _score in fts5.search(con.cursor(), match, now=now, **filters)[1]]

        assert set(find("radios", ["es", "en"])) == {a.pk, b.pk}
        assert find("MERIDA", ["es"]) == [a.pk]
        assert find("radio", ["es", "en"], section="opinion") == [a.pk]
        assert find("radio", ["en"], language="en") == [b.pk]
    finally:
        con.close()
