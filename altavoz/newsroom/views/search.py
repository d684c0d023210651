"""The simple search the origin answers until the full-text backends
(search/backends/) take over: every word must appear in the title, summary or
text. One function, so that replacing it means changing one import."""

from __future__ import annotations

import unicodedata

from django.db.models import Q, QuerySet

from altavoz.newsroom.models import Article
from altavoz.newsroom.views.listing import listed

# The search input's maxlength; longer queries (hand-made URLs) are cut, not refused.
MAX_QUERY_CHARS = 200
# Each word is three LIKE scans; beyond eight words a query gets slower, not better.
MAX_WORDS = 8


def clean_query(raw: str) -> str:
    """What the reader typed, without control characters (NUL breaks PostgreSQL)
    and no longer than the form allows."""
    printable = "".join(
        ch if unicodedata.category(ch)[0] != "C" else " " for ch in raw[: MAX_QUERY_CHARS * 2]
    )
    return " ".join(printable.split())[:MAX_QUERY_CHARS].strip()


def search_articles(query: str, language: str) -> QuerySet[Article]:
    """Listed articles in `language` containing every word of `query`, newest first."""
    words = query.split()[:MAX_WORDS]
    found = listed().filter(language=language)
    if not words:
        return found.none()
    for word in words:
        found = found.filter(
            Q(title__icontains=word) | Q(lede__icontains=word) | Q(body__icontains=word)
        )
    return found
