"""/<lang>/search/shell/: the search page in pieces, for the edge to fill in.

Edges answer searches from the edition's index without Django (altavoz/shield/
search.py), yet a results page must be the origin's page: same layout, same
words in the reader's language, same markup for each result. So every edition
holds, per language, this JSON document: the real templates (search.html and
its includes) rendered once with placeholders where a reader's search puts
its own values, and cut into the pieces a results page is made of.

A placeholder is a name between two U+0001 characters ("\\x01q\\x01"): HTML
escaping leaves it alone, and nothing a reader types can contain it (queries
lose their control characters, clean_query). The edge splits a piece on U+0001
and puts each value in its place: one pass, no value is ever read as a
placeholder. docs/EDITIONS.md lists the pieces and their placeholders.
"""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse, translate_url
from django.utils import dateformat, formats, timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from altavoz.newsroom.models import Section
from altavoz.newsroom.views.search import (
    DATE_ERROR,
    FIRST_YEAR,
    LANGUAGE_ERROR,
    LAST_YEAR,
    MAX_QUERY_CHARS,
    ORDER_ERROR,
    RANGE_ERROR,
    SECTION_ERROR,
)

FORMAT = 1
# Stand-ins where a URL pattern needs a real slug; replaced by placeholders after.
_SLUG = "altavozshellslug"
_KEY = "altavozshellkey"
# A count whose digits appear nowhere else in the sentence, and the plural form
# that every count but one takes in Spanish and English.
_MANY = 7919
# A day and a year whose digits a month's name never holds.
_DAY, _YEAR = 11, 2001


def mark(name: str) -> str:
    return f"\x01{name}\x01"


def _form(errors: bool) -> SimpleNamespace:
    """What the templates read of a form: an error list, or none, and no field errors."""
    clean = SimpleNamespace(errors=[])
    return SimpleNamespace(errors={"__all__": ["x"]} if errors else {}, section=clean,
                           language=clean, date_from=clean, date_to=clean)


def _article(language: str, byline: str) -> SimpleNamespace:
    moment = timezone.make_aware(datetime(_YEAR, _DAY, _DAY, _DAY, _DAY, _DAY))
    author = SimpleNamespace(username=_KEY, public_name=mark("name"))
    organization = SimpleNamespace(slug=_KEY, name=mark("name"))
    return SimpleNamespace(
        language=language, get_absolute_url=mark("url"), title=mark("title"),
        section=SimpleNamespace(slug=_SLUG, name=mark("section")), published_at=moment,
        author=author if byline == "contributor" else None,
        organization=organization if byline == "organization" else None,
    )


def _listing(kind: str, prev: bool, following: bool, item: Any,
             number: Any = None) -> SimpleNamespace:
    count = 1 if kind == "one" else _MANY
    page = SimpleNamespace(number=number or mark("number"), start_index=mark("start"),
                           paginator=SimpleNamespace(count=count, num_pages=mark("pages")))
    return SimpleNamespace(page=page, items=[] if kind == "empty" else [item],
                           prev_url=mark("prev") if prev else None,
                           next_url=mark("next") if following else None)


def _cut(text: str, piece: str, name: str) -> str:
    """`text` with its one copy of `piece` replaced by a placeholder."""
    if text.count(piece) != 1:
        raise RuntimeError(f"the search shell cannot find its {name} in the page")
    return text.replace(piece, mark(name))


def search_shell(request: HttpRequest) -> JsonResponse:
    lang = translation.get_language() or settings.LANGUAGE_CODE
    search_path = reverse("newsroom:search")
    sections = list(Section.objects.all())

    def render(template: str, context: dict[str, Any]) -> str:
        return render_to_string(f"newsroom/{template}.html", context, request)

    # The item and its byline, as the search page renders them.
    bylines = {kind: render("_byline", {"a": _article(lang, kind)}).replace(_KEY, mark("key"))
               for kind in ("organization", "contributor", "")}
    same = _article(lang, "organization")
    result = SimpleNamespace(article=same, snippet=mark("snippet"))
    item = render("_search_result", {"r": result})
    moment = timezone.localtime(same.published_at)
    stamp = dateformat.format(moment, "c")
    shown = escape(formats.date_format(moment, "DATE_FORMAT"))
    swaps = ((render("_byline", {"a": same}), mark("byline")), (_SLUG, mark("slug")),
             (f'datetime="{stamp}"', f'datetime="{mark("stamp")}"'),
             (f">{shown}</time>", f">{mark('date')}</time>"))

    def item_template(language: str) -> str:
        text = render("_search_result", {"r": SimpleNamespace(
            article=_article(language, "organization"), snippet=mark("snippet"))})
        for piece, placeholder in swaps:
            if text.count(piece) != 1:
                raise RuntimeError(f"the search shell cannot find {piece!r} in its item")
            text = text.replace(piece, placeholder)
        return text

    # The results, for each shape a page can take.
    results = {}
    for kind in ("one", "many", "empty"):
        for prev in (False, True):
            for following in (False, True):
                text = render("_search_results", {
                    "query": mark("q"), "listing": _listing(kind, prev, following, result)})
                if kind != "empty":
                    text = _cut(text, item + "\n", "items")
                results[f"{kind}:{int(prev)}:{int(following)}"] = text.replace(
                    str(_MANY), mark("count"))
    no_words = render("_search_results", {"listing": None, "no_words": True})

    # The page: the search form with the reader's values, then the results.
    values = {"section": "", "language": "", "from": mark("from"), "to": mark("to")}
    alternates = [{"code": code, "name": name, "url": translate_url(search_path, code)}
                  for code, name in settings.LANGUAGES]
    context = {
        "heading": _("Search"), "query": mark("q"), "form": _form(True), "sections": sections,
        "languages": settings.LANGUAGES, "max_query_chars": MAX_QUERY_CHARS, "values": values,
        "alternates": alternates, "listing": None, "no_words": True,
    }
    page = render("search", context)
    alert = render("_search_alert", context)
    # The title names the page number past the first (page.html).
    title = _title(page)
    numbered = _title(render("search", context | {"listing": _listing(
        "many", True, False, result, number=_MANY)})).replace(str(_MANY), mark("number"))
    page = _cut(_cut(_cut(page, alert, "alert"), no_words, "results"), title, "title")
    page = _selectable(page, "search-section", [s.slug for s in sections], "section")
    page = _selectable(page, "search-language", [code for code, _n in settings.LANGUAGES],
                       "language")
    end = alert.rindex("</div>")
    data = {
        "format": FORMAT,
        "page": page,
        "alert": alert[:end] + mark("messages") + alert[end:],
        "titles": [title, numbered],
        "results": results,
        "no_words": no_words,
        "item": item_template(lang),
        "item_other": item_template(mark("lang")),
        "bylines": bylines,
        "sections": {s.slug: s.name for s in sections},
        "months": [escape(formats.date_format(date(_YEAR, month, _DAY), "DATE_FORMAT"))
                   .replace(str(_YEAR), mark("y")).replace(str(_DAY), mark("d"))
                   for month in range(1, 13)],
        "errors": {
            "section": str(SECTION_ERROR), "language": str(LANGUAGE_ERROR),
            "date": str(DATE_ERROR), "order": str(ORDER_ERROR),
            "range": str(RANGE_ERROR) % {"first": FIRST_YEAR, "last": LAST_YEAR},
        },
        "years": [FIRST_YEAR, LAST_YEAR],
        "page_size": settings.ALTAVOZ_PAGE_SIZE,
        "time_zone": settings.TIME_ZONE,
        "language": lang,
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "sort_keys": True})
    response["X-Robots-Tag"] = "noindex"
    return response


def _title(page: str) -> str:
    start = page.index("<title>")
    return page[start:page.index("</title>", start) + len("</title>")]


def _selectable(page: str, select_id: str, values: list[str], name: str) -> str:
    """A placeholder after each option of one select, where " selected" may go."""
    start = page.index(f'id="{select_id}"')
    end = page.index("</select>", start)
    part = page[start:end]
    for value in values:
        option = f'<option value="{escape(value)}"'
        if part.count(option) != 1:
            raise RuntimeError(f"the search shell cannot find the option {value!r}")
        close = part.index(">", part.index(option))  # " selected" ends the start tag
        part = part[:close] + mark(f"{name}={value}") + part[close:]
    return page[:start] + part + page[end:]
