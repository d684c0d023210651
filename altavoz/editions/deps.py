"""What the live edition shows, kept beside it for the publisher
($ALTAVOZ_HOME/editions/deps.sqlite3): each listing's ordered ids, and for each
public article the listings it is in and the paths that are its own.

A full build writes it whole; each publish updates the rows it changed, in one
transaction that also records the new edition's id, committed BEFORE `current`
moves. If a crash falls between the two, deps names an edition that is complete
but not live, and the publisher finishes the switch (roll forward) instead of
guessing what the edition shows.
"""

from __future__ import annotations

import json
import sqlite3
from array import array
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from altavoz.editions import store

FILE = "deps.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS listings (key TEXT PRIMARY KEY, ids BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id INTEGER PRIMARY KEY, keys TEXT NOT NULL, paths TEXT NOT NULL);
"""


def path(home: Path) -> Path:
    return store.root(home) / FILE


def _pack(ids: list[int]) -> bytes:
    return array("q", ids).tobytes()


def _unpack(data: bytes) -> list[int]:
    found = array("q")
    found.frombytes(data)
    return found.tolist()


class Deps:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self.db = connection

    # --- reading ---------------------------------------------------------------

    def meta(self, name: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def listing(self, key: str) -> list[int] | None:
        row = self.db.execute("SELECT ids FROM listings WHERE key = ?", (key,)).fetchone()
        return _unpack(row[0]) if row else None

    def article(self, article_id: int) -> tuple[set[str], list[str]]:
        """(its listing keys, its own paths) as the live edition has them."""
        row = self.db.execute("SELECT keys, paths FROM articles WHERE id = ?",
                              (article_id,)).fetchone()
        if row is None:
            return set(), []
        return set(json.loads(row[0])), json.loads(row[1])

    # --- writing (inside `with deps.db:`, one transaction) -----------------------------

    def set_meta(self, name: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, value))

    def set_listing(self, key: str, ids: list[int] | None) -> None:
        if ids is None:
            self.db.execute("DELETE FROM listings WHERE key = ?", (key,))
        else:
            self.db.execute("INSERT OR REPLACE INTO listings (key, ids) VALUES (?, ?)",
                            (key, _pack(ids)))

    def set_article(self, article_id: int, keys: Iterable[str] | None,
                    paths: list[str] | None) -> None:
        if keys is None or paths is None:
            self.db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
        else:
            self.db.execute("INSERT OR REPLACE INTO articles (id, keys, paths) VALUES (?, ?, ?)",
                            (article_id, json.dumps(sorted(keys)), json.dumps(paths)))

    def replace_all(self, lists: dict[str, list[int]],
                    articles: Iterable[tuple[int, Iterable[str], list[str]]]) -> None:
        self.db.execute("DELETE FROM listings")
        self.db.execute("DELETE FROM articles")
        self.db.executemany("INSERT INTO listings (key, ids) VALUES (?, ?)",
                            ((key, _pack(ids)) for key, ids in lists.items()))
        self.db.executemany(
            "INSERT INTO articles (id, keys, paths) VALUES (?, ?, ?)",
            ((pk, json.dumps(sorted(keys)), json.dumps(paths)) for pk, keys, paths in articles))


@contextmanager
def opened(home: Path) -> Iterator[Deps]:
    target = path(home)
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(target, isolation_level=None)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")  # committed means on disk
        connection.executescript(_SCHEMA)
        connection.isolation_level = "DEFERRED"
        yield Deps(connection)
