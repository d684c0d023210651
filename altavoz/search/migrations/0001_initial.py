"""The full-text index tables: FTS5 on SQLite, tsvector + GIN (and unaccent) on
PostgreSQL. Neither is a Django model: the SQLite schema must also be buildable
into a standalone file for editions (search/fts5.py), so raw SQL owns both."""

from django.db import migrations


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "sqlite":
            from altavoz.search import fts5

            fts5.create_schema(cursor)
        elif vendor == "postgresql":
            from altavoz.search import pg_schema

            pg_schema.create(cursor)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "sqlite":
            from altavoz.search import fts5

            fts5.drop_schema(cursor)
        elif vendor == "postgresql":
            from altavoz.search import pg_schema

            pg_schema.drop(cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0003_comment_policy"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
