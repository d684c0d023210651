"""Listing helpers shared by the public pages and feeds: which articles a
listing shows, and how a `?page=N` becomes a page or a 404."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from altavoz.newsroom.models import Article

# Listings never print the body: leaving it in the database saves up to
# ALTAVOZ_MAX_BODY_CHARS per row, twice (source and HTML).
_LISTING_DEFER = ("body", "body_html")
# Beyond six digits a page number is junk, not a page (and int() stays cheap).
_PAGE_NUMBER = re.compile(r"^[0-9]{1,6}\Z")
# The same rule the registration form applies; anything else cannot be a user,
# and must not reach the database (PostgreSQL refuses NUL bytes with an error).
_USERNAME = re.compile(r"^[A-Za-z0-9_-]{3,40}\Z")


@dataclass
class Listing:
    """One page of a listing and the addresses of its neighbours."""

    page: Page
    items: list
    prev_url: str | None
    next_url: str | None


def listed() -> QuerySet[Article]:
    """Published, due articles, newest first, with what a listing item prints."""
    return Article.objects.listed().for_listing().defer(*_LISTING_DEFER)


def paginate(request: HttpRequest, items: QuerySet, **keep: str) -> Listing:
    """The page `?page=N` asks for. Junk or out of range is a 404: a crawler
    walking page numbers gets a cheap answer, never a 500. `keep` holds query
    parameters the neighbour links carry along (the search words)."""
    raw = request.GET.get("page", "1")
    if not _PAGE_NUMBER.match(raw):
        raise Http404(_("There is no such page."))
    paginator = Paginator(items, settings.ALTAVOZ_PAGE_SIZE)
    try:
        page = paginator.page(int(raw))
    except EmptyPage as exc:
        raise Http404(_("There is no such page.")) from exc

    def url(number: int) -> str:
        # Page 1 is the bare address, so each page has exactly one URL.
        params = {k: v for k, v in keep.items() if v}
        if number > 1:
            params["page"] = str(number)
        return f"{request.path}?{urlencode(params)}" if params else request.path

    return Listing(
        page=page,
        items=list(page.object_list),
        prev_url=url(page.previous_page_number()) if page.has_previous() else None,
        next_url=url(page.next_page_number()) if page.has_next() else None,
    )


def is_username(value: str) -> bool:
    return bool(_USERNAME.match(value))
