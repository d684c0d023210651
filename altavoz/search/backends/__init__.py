"""get_backend(): the full-text backend for the database in use."""

from __future__ import annotations

from django.db import connections

from altavoz.search.backends.base import SearchBackend, SearchHit, SearchResults

__all__ = ["SearchBackend", "SearchHit", "SearchResults", "get_backend"]


def get_backend(using: str = "default") -> SearchBackend:
    """SQLite FTS5 or PostgreSQL full text, by the connection's vendor. Cheap:
    backends hold no state but the connection wrapper (itself per thread)."""
    connection = connections[using]
    if connection.vendor == "sqlite":
        from altavoz.search.backends.sqlite import SqliteBackend

        return SqliteBackend(connection)
    if connection.vendor == "postgresql":
        from altavoz.search.backends.postgres import PostgresBackend

        return PostgresBackend(connection)
    raise NotImplementedError(f"no search backend for {connection.vendor!r} databases")
