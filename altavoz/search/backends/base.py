"""The one interface both full-text backends implement.

Which articles an index holds: every *published* article, scheduled ones included
(published_at in the future). Queries keep only those with published_at <= now, so a
scheduled article turns up the moment it is due, with no reindex. Hidden, draft,
pending and rejected articles are not in the index at all.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from altavoz.newsroom.models import Article
from altavoz.search.paging import RANK_WINDOW
from altavoz.search.query import ParsedQuery, parse_query

# Articles per indexing batch: one SELECT and one write round each. Large enough
# to amortize, small enough to keep a 100,000-article rebuild's memory flat.
BATCH_SIZE = 500


@dataclass(frozen=True)
class SearchHit:
    article_id: int
    # Higher is better; comparable only within one result set.
    score: float


@dataclass(frozen=True)
class SearchResults:
    query: ParsedQuery
    total: int
    hits: list[SearchHit] = field(default_factory=list)
    page: int = 1
    page_size: int = 20


@dataclass(frozen=True)
class Filters:
    """Resolved filters: a language code, a section slug, a time range."""

    language: str | None
    section: str | None
    start: datetime | None  # published_at >= start
    before: datetime | None  # published_at < before
    now: datetime  # published_at <= now: scheduled articles stay out until due
    # A language or section no article can have (NUL, control characters):
    # answered with nothing before it reaches a database that would choke on it.
    impossible: bool = False

    @property
    def is_empty(self) -> bool:
        """Filters no article can pass (from after to, impossible values)."""
        return self.impossible or self.start is not None and (
            self.start > self.now or (self.before is not None and self.start >= self.before))

    @property
    def languages(self) -> list[str]:
        """Which languages the query's words are stemmed in."""
        if self.language:
            return [self.language]
        return [code for code, _name in settings.LANGUAGES]


Progress = Callable[[int], None]


class SearchBackend(ABC):
    """Full text over title, summary, text and tags of listed articles."""

    vendor: str = ""
    # How many of the newest matches relevance ranks (paging.py); tests lower it.
    rank_window: int = RANK_WINDOW

    @abstractmethod
    def index(self, articles: Iterable[Article | int]) -> int:
        """Bring these articles' entries in line with the database: (re)write the
        published ones, drop the rest. Returns how many are now indexed."""

    @abstractmethod
    def remove(self, ids: Iterable[int]) -> None:
        """Drop these articles from the index (deleted articles)."""

    @abstractmethod
    def clear(self) -> None:
        """Empty the index."""

    @abstractmethod
    def indexed_ids(self) -> set[int]:
        """Every article id the index holds (for checks and orphan pruning)."""

    @abstractmethod
    def _search(self, query: ParsedQuery, filters: Filters, limit: int,
                offset: int) -> tuple[int, list[SearchHit]]:
        """(total, hits) for one page of a non-empty query, ordered as paging.py says."""

    def search(self, query: str | ParsedQuery, *, language: str | None = None,
               section: str | None = None, date_from: date | datetime | None = None,
               date_to: date | datetime | None = None, page: int = 1,
               page_size: int | None = None) -> SearchResults:
        """Ranked listed articles matching `query`. Dates are days in the site's
        time zone, both included (`date_to` 2025-03-01 means up to that day's end);
        datetimes are taken as given, `date_to` then exclusive."""
        parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
        page_size = page_size or settings.ALTAVOZ_PAGE_SIZE
        page = max(1, page)
        filters = resolve_filters(language, section, date_from, date_to)
        if parsed.is_empty or filters.is_empty:
            return SearchResults(parsed, 0, [], page, page_size)
        total, hits = self._search(parsed, filters, page_size, (page - 1) * page_size)
        return SearchResults(parsed, total, hits, page, page_size)

    def rebuild(self, progress: Progress | None = None) -> int:
        """Index every published article from scratch. Returns how many."""
        ids = list(indexable().order_by("pk").values_list("pk", flat=True))
        self.clear()
        done = 0
        for start in range(0, len(ids), BATCH_SIZE):
            batch = ids[start:start + BATCH_SIZE]
            done += self.index(batch)
            if progress is not None:
                progress(len(batch))
        self.after_rebuild()
        return done

    def after_rebuild(self) -> None:  # noqa: B027 - optional hook, not abstract
        """Compaction after a bulk load, where the engine benefits from one."""

    def prune(self) -> int:
        """Drop entries of articles that no longer exist. Returns how many."""
        stale = self.indexed_ids() - set(Article.objects.values_list("pk", flat=True))
        if stale:
            self.remove(stale)
        return len(stale)


def indexable():
    """The articles an index holds (see the module docstring)."""
    return Article.objects.filter(status=Article.Status.PUBLISHED, published_at__isnull=False)


def article_ids(articles: Iterable[Article | int]) -> list[int]:
    ids = {a if isinstance(a, int) else a.pk for a in articles}
    return sorted(pk for pk in ids if pk is not None)


def resolve_filters(language: str | None, section: str | None,
                    date_from: date | datetime | None,
                    date_to: date | datetime | None) -> Filters:
    start = _moment(date_from) if date_from is not None else None
    before = None
    if date_to is not None:
        before = _moment(date_to, next_day=not isinstance(date_to, datetime))
    impossible = any(v and not (v.isprintable() and len(v) <= _MAX_VALUE_CHARS)
                     for v in (language, section))
    return Filters(language or None, section or None, start, before, timezone.now(),
                   impossible)


# Language codes and section slugs are short (their columns hold 8 and 60).
_MAX_VALUE_CHARS = 100


# Bounds near year 1 or 9999 would overflow in time-zone arithmetic; any article
# is well inside these, so they stand in for "no bound".
_EARLIEST = datetime(1000, 1, 1, tzinfo=UTC)
_LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def _moment(value: date | datetime, next_day: bool = False) -> datetime:
    """A day's first instant in the site's time zone (or the next day's)."""
    try:
        if isinstance(value, datetime):
            moment = value if timezone.is_aware(value) else timezone.make_aware(value)
        else:
            moment = timezone.make_aware(datetime.combine(value, time.min))
            if next_day:
                moment += timedelta(days=1)  # a day given is a day included
        return min(max(moment, _EARLIEST), _LATEST)
    except (OverflowError, ValueError):
        return _EARLIEST if value.year < 2000 else _LATEST
