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
class Shown:
    """What a results page shows of an article beside its title and summary: kept
    in an edition's standalone index (fts5.build_file), so that an edge can make
    results pages with no database of the origin's."""

    path: str  # the article's address (get_absolute_url)
    stamp: str  # published_at in the site's time zone, ISO 8601 (Django's "c")
    byline: str  # "organization", "contributor", or "" (anonymous)
    byline_key: str  # the organization's slug or the contributor's username
    byline_name: str


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
    shown: Shown | None = None  # only for standalone index files (load(shown=True))

    def stemmed(self) -> tuple[str, str, str, str]:
        """(title, lede, body, tags) as space-separated stems in the article's language."""
        lang = self.language
        return (stemmed_text(self.title, lang), stemmed_text(self.lede, lang),
                stemmed_text(plain_markdown(self.body), lang), stemmed_text(self.tags, lang))


def microseconds(moment: datetime) -> int:
    """Microseconds since 1970 UTC: exact, unlike float timestamps, and an
    INTEGER SQLite compares fast."""
    return (moment - _EPOCH) // _MICROSECOND


def load(ids: Sequence[int], *, shown: bool = False) -> list[SearchDocument]:
    """The indexable articles among `ids` (published, with a publication time);
    with `shown`, each with what a results page shows of it."""
    from altavoz.newsroom.models import Article

    fields = ["pk", "language", "section__slug", "published_at", "title", "lede", "body"]
    extra = ["slug", "author__username", "author__display_name", "organization__slug",
             "organization__name"] if shown else []
    rows = list(Article.objects.filter(
        pk__in=ids, status=Article.Status.PUBLISHED, published_at__isnull=False
    ).values_list(*fields, *extra))
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
                       " ".join(tags.get(pk, ())), _shown(language, published_at, *more)
                       if shown else None)
        for pk, language, section, published_at, title, lede, body, *more in rows
    ]


def _shown(language: str, published_at: datetime, slug: str, username: str | None,
           display_name: str | None, organization: str | None,
           organization_name: str | None) -> Shown:
    """As the search page's result item (newsroom/_search_result.html) shows it."""
    from django.utils import timezone

    from altavoz.newsroom.models import Article

    path = Article(language=language, slug=slug).get_absolute_url()
    stamp = timezone.localtime(published_at).isoformat()  # the date filter's "c"
    if organization:
        return Shown(path, stamp, "organization", organization, organization_name or "")
    if username:
        return Shown(path, stamp, "contributor", username, display_name or username)
    return Shown(path, stamp, "", "", "")


def iter_all(batch_size: int = 1000, *, shown: bool = False) -> Iterator[SearchDocument]:
    """Every indexable article, by id, a batch at a time (for fts5.build_file)."""
    from altavoz.newsroom.models import Article

    ids = list(Article.objects.filter(
        status=Article.Status.PUBLISHED, published_at__isnull=False
    ).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        yield from load(ids[start:start + batch_size], shown=shown)
