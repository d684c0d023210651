"""The SQLite FTS5 index, in plain DB-API calls on any sqlite3 cursor.

The origin keeps this index in its own database (through Django's cursor); an
edition can build the same schema into a standalone file with `build_file()`, so
that edges answer searches from it without any database of the origin's.

Schema: `search_fts` holds the text as Snowball stems (see text.py), under
rowid = article id. Only stems are indexed, not the raw words too: every query
word is stemmed the same way, so raw forms would double the index for nothing,
and phrases still work because every word keeps its position. Snippets are made
from the articles' own text, never from the index. Its `facets` column holds one
token for the language and one for the section, so those filters are doclist
intersections inside FTS5 rather than a row-by-row join (3-5x faster on common
words). `search_document` holds published_at (microseconds), which ranges need,
plus language and section slug in clear.

A standalone file (`build_file()`, an edition's `search_index`) adds two tables,
so that an edge can make a results page from the file alone: `search_result`,
what a results page shows of each article (its address, title, summary, time
and byline: the index itself keeps no text), and `search_meta`, the file's
format (STANDALONE_FORMAT). Both are additions: a reader of the first format
finds its tables unchanged, and an edge finding no `search_result` table (a
file built before it existed) forwards searches to the origin instead.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from altavoz.search.documents import SearchDocument, microseconds
from altavoz.search.paging import RANK_WINDOW, windowed
from altavoz.search.query import ParsedQuery, Term
from altavoz.search.text import stem

DOCUMENTS = "search_document"
FTS = "search_fts"
RESULTS = "search_result"
META = "search_meta"
# 2: search_result and search_meta added (1: search_document and search_fts only).
STANDALONE_FORMAT = 2
# search_result's columns, in the order results() returns them after article_id.
RESULT_COLUMNS = ("language", "section", "path", "title", "lede", "stamp", "byline",
                  "byline_key", "byline_name")
# bm25 column weights (title, lede, body, tags, facets): a word in the title says
# far more about an article than the same word somewhere in a 3,000-word text.
WEIGHTS = (10.0, 4.0, 1.0, 6.0, 0.0)
_WEIGHTS = ", ".join(str(w) for w in WEIGHTS)
_TEXT_COLUMNS = "{title lede body tags}"
# unicode61 with remove_diacritics 2 folds accents the way text.normalize() does, so
# the index stays accent-insensitive even for text that did not go through Python.
TOKENIZER = "unicode61 remove_diacritics 2"

Cursor = Any  # sqlite3.Cursor or Django's wrapper around one: both take "?" params


def create_schema(cursor: Cursor, *, contentless: bool = False) -> None:
    """Create both tables. `contentless` drops FTS5's copy of the stemmed text
    (~40% of the file): right for a standalone file that is built once and never
    updated, wrong for the origin's, since SQLite 3.40 cannot delete from it."""
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {DOCUMENTS} ("
        "article_id INTEGER PRIMARY KEY, language TEXT NOT NULL, "
        "section TEXT NOT NULL, published_at INTEGER NOT NULL)"
    )
    content = ", content=''" if contentless else ""
    cursor.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5("
        f"title, lede, body, tags, facets, tokenize='{TOKENIZER}'{content})"
    )
    # Scheduled articles are few: counting them by date needs this index.
    cursor.execute(f"CREATE INDEX IF NOT EXISTS {DOCUMENTS}_published "
                   f"ON {DOCUMENTS} (published_at)")


def create_standalone(cursor: Cursor) -> None:
    """The tables only a standalone file has (see the module docstring)."""
    cursor.execute(
        f"CREATE TABLE {RESULTS} (article_id INTEGER PRIMARY KEY, path TEXT NOT NULL, "
        "title TEXT NOT NULL, lede TEXT NOT NULL, stamp TEXT NOT NULL, byline TEXT NOT NULL, "
        "byline_key TEXT NOT NULL, byline_name TEXT NOT NULL)")
    cursor.execute(f"CREATE TABLE {META} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    cursor.execute(f"INSERT INTO {META} VALUES ('format', ?)", [str(STANDALONE_FORMAT)])


def write_results(cursor: Cursor, documents: Sequence[SearchDocument]) -> None:
    cursor.executemany(
        f"INSERT INTO {RESULTS} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(d.article_id, d.shown.path, d.title, d.lede, d.shown.stamp, d.shown.byline,
          d.shown.byline_key, d.shown.byline_name) for d in documents if d.shown is not None])


def results(cursor: Cursor, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """article_id → RESULT_COLUMNS, for the hits of one page (a standalone file)."""
    if not ids:
        return {}
    cursor.execute(
        f"SELECT r.article_id, d.language, d.section, r.path, r.title, r.lede, r.stamp, "
        f"r.byline, r.byline_key, r.byline_name FROM {RESULTS} r "
        f"JOIN {DOCUMENTS} d ON d.article_id = r.article_id "
        f"WHERE r.article_id IN ({', '.join('?' * len(ids))})", list(ids))
    return {row[0]: row[1:] for row in cursor.fetchall()}


def standalone_format(cursor: Cursor) -> int:
    """A standalone file's format: 1 for a file without search_meta."""
    cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
                   [META])
    if not cursor.fetchone()[0]:
        return 1
    cursor.execute(f"SELECT value FROM {META} WHERE key = 'format'")
    row = cursor.fetchone()
    return int(row[0]) if row else 1


def drop_schema(cursor: Cursor) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {FTS}")
    cursor.execute(f"DROP TABLE IF EXISTS {DOCUMENTS}")


def write(cursor: Cursor, documents: Sequence[SearchDocument], *, fresh: bool = False) -> None:
    """Insert or replace these documents. `fresh`: the ids are known to be absent
    (a rebuild), so the deletes can be skipped."""
    if not fresh:
        delete(cursor, [d.article_id for d in documents])
    cursor.executemany(
        f"INSERT INTO {DOCUMENTS} (article_id, language, section, published_at) "
        "VALUES (?, ?, ?, ?)",
        [(d.article_id, d.language, d.section, microseconds(d.published_at)) for d in documents],
    )
    cursor.executemany(
        f"INSERT INTO {FTS} (rowid, title, lede, body, tags, facets) VALUES (?, ?, ?, ?, ?, ?)",
        [(d.article_id, *d.stemmed(), f"{facet('l', d.language)} {facet('s', d.section)}")
         for d in documents],
    )


def facet(kind: str, value: str) -> str:
    """One token for a filter value: hex keeps "derechos-humanos" or "pt-BR" in
    one unicode61 token, and out of reach of any word a reader types."""
    return kind + value.encode("utf-8").hex()


def delete(cursor: Cursor, ids: Iterable[int]) -> None:
    rows = [(int(pk),) for pk in ids]
    cursor.executemany(f"DELETE FROM {FTS} WHERE rowid = ?", rows)
    cursor.executemany(f"DELETE FROM {DOCUMENTS} WHERE article_id = ?", rows)


def optimize(cursor: Cursor) -> None:
    """Merge the index's segments into one: after a bulk load this makes queries
    several times faster (each term is one doclist to read, not dozens)."""
    cursor.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('optimize')")


def indexed_ids(cursor: Cursor) -> set[int]:
    cursor.execute(f"SELECT article_id FROM {DOCUMENTS}")
    return {row[0] for row in cursor.fetchall()}


def match_expression(query: ParsedQuery, languages: Sequence[str]) -> str | None:
    """The FTS5 MATCH text: every stem inside double quotes, so nothing the
    reader typed is ever FTS5 syntax. Words are stemmed once per language
    searched; an article is a match if it holds either language's stems."""
    if query.is_empty:
        return None
    include = " AND ".join(_term(t, languages) for t in query.include)
    if not query.exclude:
        return f"{_TEXT_COLUMNS} : ({include})"
    exclude = " OR ".join(_term(t, languages) for t in query.exclude)
    return f"{_TEXT_COLUMNS} : (({include}) NOT ({exclude}))"


def _term(term: Term, languages: Sequence[str]) -> str:
    forms: list[str] = []
    for lang in languages or [""]:
        phrase = " ".join(stem(word, lang) for word in term.words)
        quoted = '"' + phrase.replace('"', '""') + '"'
        if quoted not in forms:
            forms.append(quoted)
    return forms[0] if len(forms) == 1 else "(" + " OR ".join(forms) + ")"


def search(cursor: Cursor, match: str, *, now: int, language: str | None = None,
           section: str | None = None, start: int | None = None, before: int | None = None,
           limit: int = 20, offset: int = 0,
           window: int = RANK_WINDOW) -> tuple[int, list[tuple[int, float]]]:
    """(total, [(article_id, score)]) best first (see paging.py for the order).
    Times are microseconds (documents.microseconds); `now` keeps scheduled
    articles out until due."""
    for kind, value in (("l", language), ("s", section)):
        if value is not None:
            match += f' AND facets : "{facet(kind, value)}"'
    where = [f"{FTS} MATCH ?", "d.published_at <= ?"]
    params: list[object] = [match, now]
    for clause, value in (("d.published_at >= ?", start), ("d.published_at < ?", before)):
        if value is not None:
            where.append(clause)
            params.append(value)
    source = (f"FROM {FTS} JOIN {DOCUMENTS} d ON d.article_id = {FTS}.rowid "
              f"WHERE {' AND '.join(where)}")
    dated = len(where) > 2

    def in_window(size: int) -> tuple[int, int | None]:
        cursor.execute(f"SELECT count(*), min(r) FROM (SELECT {FTS}.rowid AS r {source} "
                       f"ORDER BY {FTS}.rowid DESC LIMIT ?)", [*params, size])
        found, lowest = cursor.fetchone()
        return found, lowest

    def count() -> int:
        if dated:
            cursor.execute(f"SELECT count(*) {source}", params)
            return cursor.fetchone()[0]
        # Without filters FTS5 counts alone, 10x faster than through the join;
        # then take away the few scheduled articles that match (found by date).
        cursor.execute(
            f"SELECT (SELECT count(*) FROM {FTS} WHERE {FTS} MATCH ?) - "
            f"(SELECT count(*) FROM {DOCUMENTS} d CROSS JOIN {FTS} ON {FTS}.rowid = d.article_id "
            f"WHERE d.published_at > ? AND {FTS} MATCH ?)", [match, now, match])
        return cursor.fetchone()[0]

    def ranked(lowest: int, size: int, skip: int) -> list[tuple[int, float]]:
        # bm25() is negative, lower is better; equal scores go newest first so
        # that pages never overlap. bm25(…) directly: ~40% faster than `rank`.
        cursor.execute(
            f"SELECT {FTS}.rowid, bm25({FTS}, {_WEIGHTS}) AS score {source} "
            f"AND {FTS}.rowid >= ? ORDER BY score, {FTS}.rowid DESC LIMIT ? OFFSET ?",
            [*params, lowest, size, skip])
        return [(pk, -score) for pk, score in cursor.fetchall()]

    def older(below: int, size: int, skip: int) -> list[tuple[int, float]]:
        cursor.execute(f"SELECT {FTS}.rowid {source} AND {FTS}.rowid < ? "
                       f"ORDER BY {FTS}.rowid DESC LIMIT ? OFFSET ?", [*params, below, size, skip])
        return [(row[0], 0.0) for row in cursor.fetchall()]

    return windowed(window=in_window, count=count, ranked=ranked, older=older,
                    limit=limit, offset=offset, size=window)


def build_file(path: Path, documents: Iterable[SearchDocument], *,
               batch_size: int = 1000) -> int:
    """Write a standalone, read-only index file (for editions). Returns how many.
    Documents loaded with `shown` (documents.load) fill search_result too."""
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    try:
        cursor = con.cursor()
        cursor.execute("PRAGMA journal_mode=OFF")
        create_schema(cursor, contentless=True)
        create_standalone(cursor)
        done, batch = 0, []
        for document in documents:
            batch.append(document)
            if len(batch) >= batch_size:
                write(cursor, batch, fresh=True)
                write_results(cursor, batch)
                done, batch = done + len(batch), []
        write(cursor, batch, fresh=True)
        write_results(cursor, batch)
        optimize(cursor)
        con.commit()
        cursor.execute("VACUUM")
        return done + len(batch)
    finally:
        con.close()
