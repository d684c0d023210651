"""The search page: /<lang>/search/?q=…&section=…&language=…&from=…&to=…&page=N.

The full-text backend (search/backends/) finds and ranks; this module reads and
checks the filters, turns hits back into articles with snippets, and paginates.
Filters a person can get wrong (a mistyped date) get the form back with a
message and a 400; a page number that is junk or past the end is a 404, like
every other listing. The page is the same for every reader, and noindex.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.paginator import EmptyPage, Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from altavoz.newsroom.models import Article, Section
from altavoz.newsroom.views.listing import Listing
from altavoz.search.backends import SearchResults, get_backend
from altavoz.search.query import MAX_QUERY_CHARS, clean_query, parse_query
from altavoz.search.snippets import snippet

__all__ = ["MAX_QUERY_CHARS", "clean_query", "search_page"]

# Dates outside these years are typing mistakes, and near date.min/max the
# time-zone arithmetic would overflow.
FIRST_YEAR, LAST_YEAR = 1900, 2999
# The same rule as every listing: beyond six digits a page number is junk.
_PAGE_NUMBER = re.compile(r"^[0-9]{1,6}\Z")
DATE_ERROR = gettext_lazy("Enter a date as year-month-day, for example 2025-03-01.")
SECTION_ERROR = gettext_lazy("There is no such section. Choose one from the list.")
LANGUAGE_ERROR = gettext_lazy(
    "Articles are not published in that language. Choose one from the list.")
ORDER_ERROR = gettext_lazy("The end date is before the start date.")
RANGE_ERROR = gettext_lazy("Choose a date between the years %(first)d and %(last)d.")


class SearchForm(forms.Form):
    """The filters. `from`/`to` are Python keywords, hence date_from/date_to here."""

    section = forms.ChoiceField(required=False)
    language = forms.ChoiceField(required=False)
    date_from = forms.DateField(required=False, input_formats=["%Y-%m-%d"],
                                error_messages={"invalid": DATE_ERROR})
    date_to = forms.DateField(required=False, input_formats=["%Y-%m-%d"],
                              error_messages={"invalid": DATE_ERROR})

    def __init__(self, data: QueryDict, sections: list[Section]) -> None:
        super().__init__({
            "section": data.get("section", ""), "language": data.get("language", ""),
            "date_from": data.get("from", ""), "date_to": data.get("to", ""),
        })
        self.fields["section"].choices = [("", "")] + [(s.slug, s.name) for s in sections]
        self.fields["section"].error_messages["invalid_choice"] = SECTION_ERROR
        self.fields["language"].choices = [("", ""), *settings.LANGUAGES]
        self.fields["language"].error_messages["invalid_choice"] = LANGUAGE_ERROR

    def clean_date_from(self) -> date | None:
        return _in_range(self.cleaned_data["date_from"])

    def clean_date_to(self) -> date | None:
        return _in_range(self.cleaned_data["date_to"])

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", ORDER_ERROR)
        return data


def _in_range(value: date | None) -> date | None:
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise forms.ValidationError(str(RANGE_ERROR) % {"first": FIRST_YEAR,
                                                        "last": LAST_YEAR})
    return value


@dataclass
class Result:
    """One hit as the page shows it."""

    article: Article
    snippet: str


def search_page(request: HttpRequest) -> HttpResponse:
    sections = list(Section.objects.all())
    form = SearchForm(request.GET, sections)
    query = clean_query(request.GET.get("q", ""))
    context: dict = {
        "heading": _("Search"), "query": query, "form": form, "sections": sections,
        "languages": settings.LANGUAGES, "listing": None, "max_query_chars": MAX_QUERY_CHARS,
        "values": {key: request.GET.get(key, "")[:40] for key in ("section", "language",
                                                                  "from", "to")},
    }
    status = 200
    if not form.is_valid():
        status = 400  # the form comes back with what to fix; nothing is searched
    elif query:
        parsed = parse_query(query)
        context["no_words"] = parsed.is_empty
        if not parsed.is_empty:
            context["listing"] = _results(request, parsed, form.cleaned_data, query)
    response = render(request, "newsroom/search.html", context, status=status)
    # Results pages are endless and thin: keep them out of search engines.
    response["X-Robots-Tag"] = "noindex"
    return response


def _results(request: HttpRequest, parsed, filters: dict, query: str) -> Listing:
    raw = request.GET.get("page", "1")
    if not _PAGE_NUMBER.match(raw):
        raise Http404(_("There is no such page."))
    number = int(raw)
    results = get_backend().search(
        parsed, language=filters["language"], section=filters["section"],
        date_from=filters["date_from"], date_to=filters["date_to"], page=number,
        page_size=settings.ALTAVOZ_PAGE_SIZE,
    )
    items = _hydrate(results)
    try:
        page = Paginator(_Counted(results.total, items), results.page_size).page(number)
    except EmptyPage as exc:
        raise Http404(_("There is no such page.")) from exc
    keep = {
        "q": query, "section": filters["section"], "language": filters["language"],
        "from": filters["date_from"].isoformat() if filters["date_from"] else "",
        "to": filters["date_to"].isoformat() if filters["date_to"] else "",
    }

    def url(n: int) -> str:
        params = {k: v for k, v in keep.items() if v}
        if n > 1:
            params["page"] = str(n)
        return f"{request.path}?{urlencode(params)}"

    return Listing(
        page=page, items=items,
        prev_url=url(page.previous_page_number()) if page.has_previous() else None,
        next_url=url(page.next_page_number()) if page.has_next() else None,
    )


def _hydrate(results: SearchResults) -> list[Result]:
    """The hits' articles in rank order, each with its snippet. listed() again:
    the index is kept in step, but a page must never show what is not public."""
    ids = [hit.article_id for hit in results.hits]
    # By primary key alone, then listed() in Python: with listed()'s filters in SQL,
    # SQLite prefers the status index and scans every published article.
    found = Article.objects.select_related("section", "author", "organization").defer(
        "body_html").in_bulk(ids)
    now = timezone.now()
    memo: dict = {}
    return [
        Result(article, snippet(article.lede, article.body, results.query, article.language,
                                memo))
        for article in (found.get(pk) for pk in ids)
        if article is not None and article.status == Article.Status.PUBLISHED
        and article.published_at is not None and article.published_at <= now
    ]


class _Counted:
    """What Paginator needs of one page of results it did not fetch itself."""

    def __init__(self, total: int, items: list[Result]) -> None:
        self.total, self.items = total, items

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, _slice: slice) -> list[Result]:
        return self.items
