"""SQLite FTS5, in the origin's own database (the tables come from migration 0001)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from altavoz.newsroom.models import Article
from altavoz.search import documents, fts5
from altavoz.search.backends.base import Filters, SearchBackend, SearchHit, article_ids
from altavoz.search.query import ParsedQuery


class SqliteBackend(SearchBackend):
    vendor = "sqlite"

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection

    def index(self, articles: Iterable[Article | int]) -> int:
        ids = article_ids(articles)
        if not ids:
            return 0
        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
            docs = documents.load(ids)
            fts5.delete(cursor, ids)  # the unpublished among them go, the rest come back
            fts5.write(cursor, docs, fresh=True)
        return len(docs)

    def remove(self, ids: Iterable[int]) -> None:
        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
            fts5.delete(cursor, ids)

    def clear(self) -> None:
        # Dropping is far faster than DELETE, which would re-read every row's text.
        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
            fts5.drop_schema(cursor)
            fts5.create_schema(cursor)

    def after_rebuild(self) -> None:
        with self.connection.cursor() as cursor:
            fts5.optimize(cursor)

    def indexed_ids(self) -> set[int]:
        with self.connection.cursor() as cursor:
            return fts5.indexed_ids(cursor)

    def _search(self, query: ParsedQuery, filters: Filters, limit: int,
                offset: int) -> tuple[int, list[SearchHit]]:
        match = fts5.match_expression(query, filters.languages)
        if match is None:
            return 0, []
        with self.connection.cursor() as cursor:
            total, rows = fts5.search(
                cursor, match, now=documents.microseconds(filters.now),
                language=filters.language, section=filters.section,
                start=documents.microseconds(filters.start) if filters.start else None,
                before=documents.microseconds(filters.before) if filters.before else None,
                limit=limit, offset=offset, window=self.rank_window,
            )
        return total, [SearchHit(pk, score) for pk, score in rows]
