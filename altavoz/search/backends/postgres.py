"""PostgreSQL full-text search: a weighted tsvector per article in its own
language's config (spanish, english…) after unaccent, queried with
plainto_tsquery/phraseto_tsquery per term and ranked by ts_rank_cd."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from altavoz.newsroom.models import Article, Section, Tag
from altavoz.search.backends.base import (
    Filters,
    SearchBackend,
    SearchHit,
    article_ids,
)
from altavoz.search.paging import windowed
from altavoz.search.pg_schema import TABLE, TSQUERY_ANY, UNACCENT
from altavoz.search.query import ParsedQuery, Term
from altavoz.search.text import LANGUAGE_NAMES

# Language code → PostgreSQL text search config; the Snowball names match.
# Anything else gets 'simple': no stemming, still accent- and case-insensitive.
FALLBACK_CONFIG = "simple"
# Markdown link targets (URLs) are not words a reader sees.
_LINK_TARGET = r"\]\([^)[:space:]]*\)"


def config(language: str) -> str:
    return LANGUAGE_NAMES.get(language, FALLBACK_CONFIG)


class PostgresBackend(SearchBackend):
    vendor = "postgresql"
    # ts_rank_cd unpacks each ranked vector from TOAST (~5 µs for a 3,000-word
    # text): 2,000 keeps a page under ~15 ms of ranking. SQLite ranks 10,000.
    rank_window = 2_000

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection

    def index(self, articles: Iterable[Article | int]) -> int:
        ids = article_ids(articles)
        if not ids:
            return 0
        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE article_id = ANY(%s)", [ids])
            sql, params = _index_sql()
            cursor.execute(sql, [*params, ids])
            return cursor.rowcount

    def remove(self, ids: Iterable[int]) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE article_id = ANY(%s)",
                           [[int(pk) for pk in ids]])

    def clear(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {TABLE}")

    def indexed_ids(self) -> set[int]:
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT article_id FROM {TABLE}")
            return {row[0] for row in cursor.fetchall()}

    def after_rebuild(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {TABLE}")

    def _search(self, query: ParsedQuery, filters: Filters, limit: int,
                offset: int) -> tuple[int, list[SearchHit]]:
        per_language, tsquery_params = [], []
        for lang in filters.languages:
            sql, more = _language_query(query, config(lang))
            per_language.append(sql)
            tsquery_params += more
        # One tsquery: the languages' queries OR-ed, NULLs (no words) left out.
        tsquery = f"{TSQUERY_ANY}({', '.join(per_language)})"
        where = [f"d.vector @@ {tsquery}", "d.published_at <= %s"]
        params = [*tsquery_params, filters.now]
        for clause, value in (("d.language = %s", filters.language),
                              ("d.section = %s", filters.section),
                              ("d.published_at >= %s", filters.start),
                              ("d.published_at < %s", filters.before)):
            if value is not None:
                where.append(clause)
                params.append(value)
        source = f"SELECT {{columns}} FROM {TABLE} d WHERE {' AND '.join(where)}"

        def run(columns: str, tail: str, *more: object) -> list[tuple]:
            with self.connection.cursor() as cursor:
                cursor.execute(source.replace("{columns}", columns) + tail, [*params, *more])
                return cursor.fetchall()

        totals: list[int] = []

        def window(size: int) -> tuple[int, int | None]:
            # The total rides along (count … OVER ()): one index scan, not two.
            with self.connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*), min(article_id), max(total) FROM ("
                    + source.replace("{columns}", "d.article_id, count(*) OVER () AS total")
                    + " ORDER BY d.article_id DESC LIMIT %s) AS newest", [*params, size])
                found, lowest, total = cursor.fetchone()
            totals.append(total or 0)
            return found, lowest

        def count() -> int:
            return totals[0]

        def ranked(lowest: int, size: int, skip: int) -> list[SearchHit]:
            with self.connection.cursor() as cursor:
                cursor.execute(
                    source.replace("{columns}", f"d.article_id, ts_rank_cd(d.vector, {tsquery})")
                    + " AND d.article_id >= %s ORDER BY 2 DESC, d.article_id DESC "
                    "LIMIT %s OFFSET %s", [*tsquery_params, *params, lowest, size, skip])
                rows = cursor.fetchall()
            return [SearchHit(pk, float(score)) for pk, score in rows]

        def older(below: int, size: int, skip: int) -> list[SearchHit]:
            rows = run("d.article_id", " AND d.article_id < %s ORDER BY d.article_id DESC "
                       "LIMIT %s OFFSET %s", below, size, skip)
            return [SearchHit(row[0], 0.0) for row in rows]

        with transaction.atomic(using=self.connection.alias), _bitmap_scans_only(
                self.connection):
            return windowed(window=window, count=count, ranked=ranked, older=older,
                            limit=limit, offset=offset, size=self.rank_window)


@contextmanager
def _bitmap_scans_only(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Steer the planner to the GIN index. It costs `vector @@ query` as cheap,
    but each test unpacks a TOASTed vector (~1.5 µs): a sequential or primary-key
    scan over 91,000 articles took 140-180 ms where a bitmap scan took 20-30 ms
    (bench/search_latency.py). SET LOCAL ends with the transaction; the old
    values are put back first, for a caller's transaction that goes on."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_seqscan'), "
                       "current_setting('enable_indexscan')")
        seqscan, indexscan = cursor.fetchone()
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('enable_seqscan', %s, true), "
                       "set_config('enable_indexscan', %s, true)", [seqscan, indexscan])


def _tsquery(term: Term, cfg: str) -> tuple[str, list[str]]:
    """One term as a tsquery built by PostgreSQL itself from plain text: the
    reader's words never reach to_tsquery's syntax."""
    function = "phraseto_tsquery" if term.is_phrase else "plainto_tsquery"
    return f"{function}(%s::regconfig, {UNACCENT}(%s))", [cfg, " ".join(term.words)]


def _language_query(query: ParsedQuery, cfg: str) -> tuple[str, list[str]]:
    """The query in one config, or NULL when stop words leave no word to find
    (else "el -agua" would become "anything without agua"). A plain expression of
    immutable functions on constants, so the planner folds it into one tsquery
    and can estimate it: as a subquery it guessed, and chose sequential scans."""
    include, params = [], []
    for term in query.include:
        sql, more = _tsquery(term, cfg)
        include.append(sql)
        params += more
    inc = "(" + " && ".join(include) + ")"
    if not query.exclude:
        return f"CASE WHEN numnode({inc}) > 0 THEN {inc} END", params * 2
    exclude, excluded = [], []
    for term in query.exclude:
        sql, more = _tsquery(term, cfg)
        exclude.append(sql)
        excluded += more
    exc = " || ".join(exclude)
    # Placeholders in text order: include's (twice), then exclude's.
    return (f"CASE WHEN numnode({inc}) > 0 THEN {inc} && !!({exc}) END",
            params * 2 + excluded)


def _index_sql() -> tuple[str, list[str]]:
    """INSERT … SELECT computing each published article's vector in SQL (the last
    parameter, the id array, is the caller's)."""
    through = Article.tags.through._meta
    tag_fk = through.get_field("tag").column
    article_fk = through.get_field("article").column
    cases, params = [], []
    for code, name in LANGUAGE_NAMES.items():
        cases.append("WHEN %s THEN %s")
        params += [code, name]
    cfg = f"(CASE a.language {' '.join(cases)} ELSE '{FALLBACK_CONFIG}' END)::regconfig"

    def vector(text: str, weight: str) -> str:
        return f"setweight(to_tsvector(c.cfg, {UNACCENT}({text})), '{weight}')"

    body = f"regexp_replace(a.body, '{_LINK_TARGET}', ']', 'g')"
    tags = "coalesce(t.names, '')"
    sql = (
        f"INSERT INTO {TABLE} (article_id, language, section, published_at, vector) "
        "SELECT a.id, a.language, s.slug, a.published_at, "
        f"{vector('a.title', 'A')} || {vector(tags, 'B')} || "
        f"{vector('a.lede', 'B')} || {vector(body, 'C')} "
        f"FROM {Article._meta.db_table} a "
        f"JOIN {Section._meta.db_table} s ON s.id = a.section_id "
        f"CROSS JOIN LATERAL (SELECT {cfg} AS cfg) c "
        f"LEFT JOIN LATERAL (SELECT string_agg(tg.name, ' ') AS names "
        f"FROM {through.db_table} at JOIN {Tag._meta.db_table} tg ON tg.id = at.{tag_fk} "
        f"WHERE at.{article_fk} = a.id) t ON true "
        "WHERE a.status = %s AND a.published_at IS NOT NULL AND a.id = ANY(%s)"
    )
    # Same rows as base.indexable(): published, with a publication time.
    return sql, [*params, Article.Status.PUBLISHED]
