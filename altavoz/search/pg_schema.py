"""PostgreSQL's search objects, created by migration 0001 (PostgreSQL only).

One row per published article with a stored, weighted tsvector (title A; tags
and summary B; text C) and a GIN index. The vector is computed when the article is
indexed, not by an expression index, so the text search config can vary by row
(each article's own language) and queries need not repeat the expression.
"""

from __future__ import annotations

from typing import Any

TABLE = "search_pg_document"
UNACCENT = "altavoz_unaccent"
TSQUERY_OR = "altavoz_tsquery_or"
TSQUERY_ANY = "altavoz_tsquery_any"


def create(cursor: Any) -> None:
    cursor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    cursor.execute(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'unaccent'"
    )
    schema = cursor.fetchone()[0]
    # unaccent() is only STABLE (its dictionary could change); this wrapper names
    # the dictionary by schema, which makes it safe to declare IMMUTABLE and so
    # usable in indexes and generated columns, whatever the search_path.
    cursor.execute(
        f"CREATE OR REPLACE FUNCTION {UNACCENT}(text) RETURNS text "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS "
        f"$$ SELECT \"{schema}\".unaccent('\"{schema}\".unaccent'::regdictionary, $1) $$"
    )
    # OR of the non-NULL tsqueries in a group: a query's words stemmed in each
    # language, where a language whose stemming leaves no words gives NULL.
    cursor.execute(
        f"CREATE OR REPLACE AGGREGATE {TSQUERY_OR}(tsquery) "
        "(SFUNC = pg_catalog.tsquery_or, STYPE = tsquery)"
    )
    # The same as a function of constants: IMMUTABLE, so the planner evaluates it
    # once at plan time and sees the final tsquery (GIN index, row estimates).
    cursor.execute(
        f"CREATE OR REPLACE FUNCTION {TSQUERY_ANY}(VARIADIC queries tsquery[]) "
        "RETURNS tsquery LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
        f"$$ SELECT {TSQUERY_OR}(q) FROM unnest(queries) AS q $$"
    )
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
        "article_id bigint PRIMARY KEY, language varchar(8) NOT NULL, "
        "section varchar(60) NOT NULL, published_at timestamptz NOT NULL, "
        "vector tsvector NOT NULL)"
    )
    cursor.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_vector ON {TABLE} USING gin (vector)")


def drop(cursor: Any) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
    cursor.execute(f"DROP FUNCTION IF EXISTS {TSQUERY_ANY}(tsquery[])")
    cursor.execute(f"DROP AGGREGATE IF EXISTS {TSQUERY_OR}(tsquery)")
    cursor.execute(f"DROP FUNCTION IF EXISTS {UNACCENT}(text)")
