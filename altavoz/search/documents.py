"""Articles as search documents: what an index needs of each, in two queries.

Only the SQLite backend (and a standalone edition index) stems in Python and so
needs the text here; PostgreSQL builds its vectors in SQL from the same tables.
Importing this module needs no Django setup (the ORM is imported in load()), so
a standalone index can be built or read without the origin's settings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from altavoz.search.text import plain_markdown, stemmed_text

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class SearchDocument:
    article_id: int
    language: str
    section: str  # slug: what the ?section= filter names
    published_at: datetime
    title: str
    lede: str
    body: str  # Markdown source
    tags: str  # tag names, space-separated

    def stemmed(self) -> tuple[str, str, str, str]:
        """(title, lede, body, tags) as space-separated stems in the article's language."""
        lang = self.language
        return (stemmed_text(self.title, lang), stemmed_text(self.lede, lang),
                stemmed_text(plain_markdown(self.body), lang), stemmed_text(self.tags, lang))


def microseconds(moment: datetime) -> int:
    """Microseconds since 1970 UTC: exact, unlike float timestamps, and an
    INTEGER SQLite compares fast."""
    return (moment - _EPOCH) // _MICROSECOND


def load(ids: Sequence[int]) -> list[SearchDocument]:
    """The indexable articles among `ids` (published, with a publication time)."""
    from altavoz.newsroom.models import Article

    rows = list(
        Article.objects.filter(
            pk__in=ids, status=Article.Status.PUBLISHED, published_at__isnull=False
        ).values_list("pk", "language", "section__slug", "published_at", "title", "lede", "body")
    )
    if not rows:
        return []
    tags: dict[int, list[str]] = defaultdict(list)
    through = Article.tags.through
    for article_id, name in through.objects.filter(
        article_id__in=[row[0] for row in rows]
    ).values_list("article_id", "tag__name").order_by("article_id", "tag__name"):
        tags[article_id].append(name)
    return [
        SearchDocument(pk, language, section, published_at, title, lede, body,
                       " ".join(tags.get(pk, ())))
        for pk, language, section, published_at, title, lede, body in rows
    ]


def iter_all(batch_size: int = 1000) -> Iterator[SearchDocument]:
    """Every indexable article, by id, a batch at a time (for fts5.build_file)."""
    from altavoz.newsroom.models import Article

    ids = list(Article.objects.filter(
        status=Article.Status.PUBLISHED, published_at__isnull=False
    ).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        yield from load(ids[start:start + batch_size])
