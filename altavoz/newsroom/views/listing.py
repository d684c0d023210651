"""Listing helpers shared by the public pages and feeds: which articles a
listing shows, and how a listing is cut into pages.

Listings are paginated as a stable archive, because editions serve every page
as a file and publishing one article must re-render only a few of them. Items
are numbered from the OLDEST: archive page k (1..K) holds oldest-first items
[(k-1)·P, k·P), K = max(T // P - 1, 0), and lives at `<listing>/page/<k>/`.
The listing's bare address shows the rest, [K·P, T): between P and 2P-1 items
once T ≥ P. Appending an item changes only the bare page, except every P-th
append, which adds archive page K+1 and changes the "newer" link of page K.
Each page shows its items newest first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import Http404
from django.urls import URLPattern, path, register_converter
from django.urls.converters import get_converters
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from altavoz.newsroom.models import Article

# The path segment before an archive page number: /es/section/news/page/3/.
PAGE_SEGMENT = "page"
# Listings never print the body: leaving it in the database saves up to
# ALTAVOZ_MAX_BODY_CHARS per row, twice (source and HTML).
_LISTING_DEFER = ("body", "body_html")
# The same rule the registration form applies; anything else cannot be a user,
# and must not reach the database (PostgreSQL refuses NUL bytes with an error).
_USERNAME = re.compile(r"^[A-Za-z0-9_-]{3,40}\Z")

# Link texts of the archive navigation: (towards older items, towards newer ones).
ARTICLES = (gettext_lazy("Older articles"), gettext_lazy("Newer articles"))
DECISIONS = (gettext_lazy("Older decisions"), gettext_lazy("Newer decisions"))
ALPHABETICAL = (gettext_lazy("Next page"), gettext_lazy("Previous page"))


class ArchivePageConverter:
    """An archive page number in a path: 1 to 999999, no leading zero. Zero,
    "007" and junk do not match, so each page has exactly one address and a
    crawler walking numbers gets a cheap 404."""

    regex = "[1-9][0-9]{0,5}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


def listing_urls(route: str, view: Callable[..., Any], name: str) -> list[URLPattern]:
    """A listing's bare address (its latest page), named `name`, and its archive
    pages `route`page/<k>/, named `name`_page; the view takes k (None: latest)."""
    # Registered here, not at import, whichever URLconf Django imports first.
    if "archive_page" not in get_converters():
        register_converter(ArchivePageConverter, "archive_page")
    return [
        path(route, view, name=name),
        path(f"{route}{PAGE_SEGMENT}/<archive_page:k>/", view, name=f"{name}_page"),
    ]


# --- the arithmetic, pure: views, tests and the editions builder share it ----


def archive_count(total: int, page_size: int) -> int:
    """K, the number of archive pages of a listing of `total` items."""
    return max(total // page_size - 1, 0)


def archive_bounds(k: int | None, total: int, page_size: int) -> tuple[int, int]:
    """The oldest-first index range [start, stop) that archive page `k` shows;
    k None is the latest page, at the listing's bare address."""
    count = archive_count(total, page_size)
    if k is None:
        return count * page_size, total
    if not 1 <= k <= count:
        raise ValueError(f"archive page {k} out of 1..{count}")
    return (k - 1) * page_size, k * page_size


def archive_path(base_path: str, k: int | None) -> str:
    """The address of archive page k (None: the latest page) of a listing at `base_path`."""
    return base_path if k is None else f"{base_path}{PAGE_SEGMENT}/{k}/"


def listing_paths(base_path: str, total: int, page_size: int | None = None) -> list[str]:
    """Every address of a listing of `total` items at `base_path` (ending in
    "/"): the bare page, then archive pages 1..K. The editions builder calls
    this with the count of the same queryset the view pages."""
    size = page_size or settings.ALTAVOZ_PAGE_SIZE
    count = archive_count(total, size)
    return [base_path] + [archive_path(base_path, k) for k in range(1, count + 1)]


def archive_links(base_path: str, k: int | None, count: int) -> tuple[str | None, str | None]:
    """(older, newer): the addresses page k links to, None where it has no such
    neighbour. The latest page links only to page K; page K's newer one is the
    bare address."""
    if k is None:
        return (archive_path(base_path, count) if count else None), None
    older = archive_path(base_path, k - 1) if k > 1 else None
    return older, archive_path(base_path, k + 1 if k < count else None)


# --- pages ---------------------------------------------------------------------


@dataclass
class Listing:
    """One page of a query-paginated listing (search results, `?page=N`)."""

    page: Page
    items: list
    prev_url: str | None
    next_url: str | None


@dataclass
class ArchivePage:
    """One page of an archive-paginated listing and its neighbours' addresses."""

    items: list
    number: int | None  # archive page number; None for the latest page (bare address)
    count: int  # K, the number of archive pages
    older_url: str | None
    newer_url: str | None
    older_label: str
    newer_label: str
    # What the page covers, as the template prints it: two datetimes (dated)
    # or two names; `last` is None when the page covers a single day or name.
    first: Any = None
    last: Any = None
    dated: bool = True


def archive(
    items: QuerySet,
    k: int | None,
    base_path: str,
    *,
    labels: tuple[str, str] = ARTICLES,
    sort_value: Callable[[Any], Any] | None = None,
    dated: bool = True,
) -> ArchivePage:
    """Archive page k (None: the latest) of `items`, a queryset ordered as the
    page shows them (newest first) by a total order, ending in the id. A page
    number past the end is a 404, never a 500. `sort_value` gives what the
    span line prints for an item (default: its published_at)."""
    size = settings.ALTAVOZ_PAGE_SIZE
    known = _KNOWN_IDS.get()
    ids = known.get(base_path) if known is not None else None
    total = items.count() if ids is None else len(ids)
    count = archive_count(total, size)
    try:
        start, stop = archive_bounds(k, total, size)
    except ValueError as exc:
        raise Http404(_("There is no such page.")) from exc
    if ids is None:
        shown = _newest_first(items, start, stop, total)
    else:
        shown = _by_ids(items, ids[total - stop:total - start])

    older_url, newer_url = archive_links(base_path, k, count)
    page = ArchivePage(
        items=shown, number=k, count=count, older_url=older_url, newer_url=newer_url,
        older_label=str(labels[0]), newer_label=str(labels[1]), dated=dated,
    )
    if shown and count:
        value = sort_value or (lambda item: item.published_at)
        top, bottom = value(shown[0]), value(shown[-1])
        # Dated pages read oldest to newest, like a calendar; named ones in page order.
        page.first, page.last = (bottom, top) if dated else (top, bottom)
        if _same_label(page.first, page.last, dated):
            page.last = None
    return page


# Set by the editions builder for the length of a whole build: listing address →
# the listing's ids, newest first, read once at the start (editions.listings).
# Pages then cost one query by primary key instead of a COUNT and an OFFSET scan,
# which at 100,000 articles made archive pages the slowest part of a build.
_KNOWN_IDS: ContextVar[dict[str, list[int]] | None] = ContextVar("listing_ids", default=None)


@contextmanager
def known_ids(mapping: dict[str, list[int]]) -> Iterator[None]:
    token = _KNOWN_IDS.set(mapping)
    try:
        yield
    finally:
        _KNOWN_IDS.reset(token)


def _by_ids(items: QuerySet, ids: list[int]) -> list:
    found = {item.pk: item for item in items.filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def _newest_first(items: QuerySet, start: int, stop: int, total: int) -> list:
    """Oldest-first items [start, stop), newest first. Reads from whichever end
    is nearer, so the latest pages (the busy ones) never pay a long OFFSET."""
    if stop <= start:
        return []
    if total - stop <= start:
        return list(items[total - stop:total - start])
    return list(items.reverse()[start:stop])[::-1]


def _same_label(first: Any, last: Any, dated: bool) -> bool:
    if first is None or last is None:
        return first is last
    if dated:
        return timezone.localtime(first).date() == timezone.localtime(last).date()
    return first == last


def listed() -> QuerySet[Article]:
    """Published, due articles, newest first, with what a listing item prints."""
    return Article.objects.listed().for_listing().defer(*_LISTING_DEFER)


def is_username(value: str) -> bool:
    return bool(_USERNAME.match(value))
