"""Keeping the index in step with the articles.

Signals (connected in apps.py) reindex an article whenever it, its tags, or the
names it is found by change. The index lives in the same database, so the update
runs inside the same transaction as the change: a rolled-back edit leaves no trace
in the index, and a committed one is searchable at once. Bulk writes that skip
signals (seeding) call rebuild() afterwards; `altavoz manage reindex` does the same.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.db import DatabaseError, transaction
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from altavoz.newsroom.models import Article, Section, Tag
from altavoz.search.backends import get_backend
from altavoz.search.backends.base import indexable

logger = logging.getLogger(__name__)

# Saves that touch none of these fields cannot change what search finds.
_INDEXED_FIELDS = frozenset(
    {"title", "lede", "body", "status", "published_at", "language", "section", "section_id"}
)


def _safely(action: Callable[[], object], what: str) -> None:
    """Run an index update in a savepoint. If it fails, the article's own change
    still goes through (never lose a contributor's text over an index); the
    failure is logged, and `altavoz manage reindex` repairs the index."""
    try:
        with transaction.atomic():
            action()
    except DatabaseError:
        logger.exception("search index not updated for %s; run `altavoz manage reindex`", what)


def reindex(ids: Iterable[int]) -> None:
    ids = [pk for pk in ids if pk is not None]
    if ids:
        _safely(lambda: get_backend().index(ids), f"articles {ids[:10]}")


def article_saved(sender, instance: Article, raw: bool = False, update_fields=None,
                  **kwargs) -> None:
    if raw:  # loaddata: related rows may not exist yet; reindex afterwards
        return
    if update_fields is not None and not (set(update_fields) & _INDEXED_FIELDS):
        return
    reindex([instance.pk])


def article_deleted(sender, instance: Article, **kwargs) -> None:
    pk = instance.pk
    _safely(lambda: get_backend().remove([pk]), f"deleted article {pk}")


def tags_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    """article.tags.set/add/remove/clear, and the same from the tag's side."""
    if action == "pre_clear" and reverse:
        # tag.articles.clear() names no articles afterwards: note them now.
        instance._search_article_ids = list(instance.articles.values_list("pk", flat=True))
        return
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if not reverse:
        reindex([instance.pk])
    elif action == "post_clear":
        reindex(getattr(instance, "_search_article_ids", []))
    else:
        reindex(pk_set or [])


def tag_saved(sender, instance: Tag, created: bool, raw: bool = False, **kwargs) -> None:
    if not created and not raw:  # renamed: its articles are found by the new name
        reindex(instance.articles.values_list("pk", flat=True))


def tag_deleting(sender, instance: Tag, **kwargs) -> None:
    instance._search_article_ids = list(instance.articles.values_list("pk", flat=True))


def tag_deleted(sender, instance: Tag, **kwargs) -> None:
    reindex(getattr(instance, "_search_article_ids", []))


def section_saving(sender, instance: Section, raw: bool = False, **kwargs) -> None:
    old = None
    if instance.pk and not raw:
        old = Section.objects.filter(pk=instance.pk).values_list("slug", flat=True).first()
    instance._search_slug_changed = old is not None and old != instance.slug


def section_saved(sender, instance: Section, **kwargs) -> None:
    """The index filters by section slug: a renamed slug means reindexing (rare;
    reordering or renaming a section in some language does not)."""
    if getattr(instance, "_search_slug_changed", False):
        reindex(indexable().filter(section=instance).values_list("pk", flat=True))


def prune_after_migrate(sender, using: str = "default", **kwargs) -> None:
    """`migrate` and `flush` (tests) end here: drop entries of articles that are
    gone (flush empties tables by SQL, with no signals)."""
    try:
        with transaction.atomic(using=using):
            get_backend(using).prune()
    except DatabaseError:  # the index tables are not there (migrating backwards)
        logger.info("search index not pruned: its tables are missing")


def rebuild(console: Console | None = None) -> int:
    """Reindex every published article, with a progress bar on `console`."""
    backend = get_backend()
    progress = Progress(
        TextColumn("[bold]indexing[/]"), BarColumn(), MofNCompleteColumn(),
        TextColumn("articles"), TimeRemainingColumn(),
        console=console, disable=console is None, transient=False,
    )
    with progress, transaction.atomic():
        task = progress.add_task("index", total=indexable().count())
        return backend.rebuild(lambda n: progress.advance(task, n))
