"""Search results pages made at the edge: the reader's request read as the
origin's search page reads it, and the answer put together from the edition's
search shell (altavoz/newsroom/views/search_shell.py, docs/EDITIONS.md).

No Django here. The shell holds everything a results page says, rendered by
the origin's own templates in each language, cut into pieces with named
placeholders; this module only chooses pieces and fills placeholders with
escaped values. So the edge's page is the origin's page, but for one thing: a
snippet comes from the article's summary (marked where it matches), since the
index keeps no copy of the text the origin cuts body snippets from.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from html import escape
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode
from zoneinfo import ZoneInfo

from altavoz.search import fts5
from altavoz.search.documents import microseconds
from altavoz.search.highlight import matcher, summary
from altavoz.search.query import ParsedQuery, clean_query, parse_query
from altavoz.shield.edition import Resource
from altavoz.shield.http import GZIP, encoding_code, status_line

SHELL_FORMAT = 1
# What the search page reads of a query string; anything else is ignored, so
# it cannot make a new cache entry (search_page's request.GET.get(...)).
PARAMETERS = ("q", "section", "language", "from", "to", "page")
FILTERS = ("section", "language", "from", "to")
_PAGE_NUMBER = re.compile(r"^[0-9]{1,6}\Z")  # the origin's rule (views/search.py)
_DATE = re.compile(r"^\s*[0-9]{1,4}-[0-9]{1,2}-[0-9]{1,2}\s*\Z")
_KEEP_RAW = 40  # values echoed into the form: request.GET.get(key, "")[:40]
# Characters Django's reverse() leaves unquoted in a path (RFC 3986 sub-delims).
_PATH_SAFE = "!$&'()*+,;=/~:@"
# Headers of the search page the edge computes itself for each answer.
_OWN = (b"content-length:", b"etag:", b"content-encoding:", b"vary:", b"accept-ranges:")
_DEFAULT_HEADERS = (b"Content-Type: text/html; charset=utf-8\r\nX-Robots-Tag: noindex\r\n"
                    b"X-Content-Type-Options: nosniff\r\nCache-Control: public, max-age=60\r\n")
_GZIP_FROM = 256  # bytes; smaller answers gain nothing from compression


class ShellError(ValueError):
    """A search shell the edge cannot use; the message says why."""


class Template:
    """A piece of the shell, split once on its placeholders."""

    __slots__ = ("parts",)

    def __init__(self, text: Any) -> None:
        if not isinstance(text, str):
            raise ShellError(f"a piece of the shell is not text: {text!r:.60}")
        self.parts = text.split("\x01")
        if len(self.parts) % 2 == 0:
            raise ShellError("a placeholder is not closed")

    def fill(self, values: dict[str, str]) -> str:
        parts = self.parts
        out = parts[:]
        for i in range(1, len(parts), 2):
            out[i] = values.get(parts[i], "")
        return "".join(out)


class Shell:
    """One language's search shell, parsed (docs/EDITIONS.md, "Search shell")."""

    def __init__(self, lang: str, body: bytes, page: Resource | None) -> None:
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise ShellError(f"the {lang} search shell is not JSON") from exc
        if not isinstance(data, dict) or data.get("format") != SHELL_FORMAT:
            raise ShellError(f"the {lang} search shell is not of format {SHELL_FORMAT}")
        try:
            self.lang = lang
            self.page = Template(data["page"])
            self.alert = Template(data["alert"])
            self.titles = [Template(text) for text in data["titles"]]
            self.results = {key: Template(text) for key, text in data["results"].items()}
            self.no_words = data["no_words"]
            self.item = Template(data["item"])
            self.item_other = Template(data["item_other"])
            self.bylines = {kind: Template(text) for kind, text in data["bylines"].items()}
            self.sections: dict[str, str] = dict(data["sections"])
            self.months = [Template(text) for text in data["months"]]
            self.errors: dict[str, str] = dict(data["errors"])
            self.first_year, self.last_year = (int(y) for y in data["years"])
            self.page_size = max(1, int(data["page_size"]))
            self.zone = ZoneInfo(str(data["time_zone"]))
            if len(self.months) != 12 or len(self.titles) != 2 or not (
                    {"one:0:0", "empty:0:0"} <= set(self.results)):
                raise ShellError(f"the {lang} search shell is incomplete")
        except (KeyError, TypeError, ValueError, LookupError) as exc:
            raise ShellError(f"the {lang} search shell is incomplete: {exc!r}") from exc
        self.head = _page_head(page, lang)

    # --- reading a request ------------------------------------------------------------

    def read(self, path: str, query: bytes, languages: tuple[str, ...]) -> Request | Refusal:
        """What the search page would make of this query string."""
        values: dict[str, str] = {}
        for name, value in parse_qsl(query.decode("utf-8", "replace"), keep_blank_values=True,
                                     encoding="utf-8", errors="replace",
                                     max_num_fields=200):
            if name in PARAMETERS:
                values[name] = value  # the last one wins, as QueryDict.get()
        filters = {name: values.get(name, "") for name in FILTERS}
        text = clean_query(values.get("q", ""))
        messages = self._invalid(filters, languages)
        if messages:
            return Refusal(400, self._form_page(text, filters, messages))
        if not text:
            return Refusal(200, None)  # the edition's own search page says how to search
        raw_page = values.get("page", "1")
        if not _PAGE_NUMBER.match(raw_page) or int(raw_page) < 1:
            return Refusal(404, None)
        days = {name: _day(filters[name]) if filters[name] else None for name in ("from", "to")}
        return Request(
            path=path, lang=self.lang, text=text, parsed=parse_query(text), filters=filters,
            page=int(raw_page), days=(days["from"], days["to"]),
            start=self._moment(days["from"]), before=self._moment(days["to"], next_day=True),
            languages=(filters["language"],) if filters["language"] else languages)

    def _invalid(self, filters: dict[str, str], languages: tuple[str, ...]) -> list[str]:
        """The form's error messages for these filters (views/search.py's SearchForm)."""
        messages = []
        if filters["section"] and filters["section"] not in self.sections:
            messages.append(self.errors["section"])
        if filters["language"] and filters["language"] not in languages:
            messages.append(self.errors["language"])
        days = []
        for name in ("from", "to"):
            if not filters[name]:
                continue
            day = _day(filters[name])
            if day is None:
                messages.append(self.errors["date"])
            elif not self.first_year <= day.year <= self.last_year:
                messages.append(self.errors["range"])
            else:
                days.append(day)
        if len(days) == 2 and days[0] > days[1]:
            messages.append(self.errors["order"])
        return messages

    def _moment(self, day: date | None, next_day: bool = False) -> int | None:
        """A day's first instant in the site's time zone (or the next day's), as
        search.backends.base.resolve_filters makes it."""
        if day is None:
            return None
        if next_day:
            day += timedelta(days=1)
        return microseconds(datetime.combine(day, time.min, self.zone))

    # --- writing pages ------------------------------------------------------------------

    def _form_page(self, text: str, filters: dict[str, str],
                   messages: list[str] | None = None, results: str = "",
                   number: int = 1) -> bytes:
        # The form echoes what was typed, cut as the origin cuts it.
        shown = {name: value[:_KEEP_RAW] for name, value in filters.items()}
        title = self.titles[0] if number == 1 else self.titles[1]
        values = {"q": escape(text), "from": escape(shown["from"]), "to": escape(shown["to"]),
                  "results": results, "title": title.fill({"number": str(number)}),
                  f"section={shown['section']}": " selected",
                  f"language={shown['language']}": " selected"}
        if messages:
            values["alert"] = self.alert.fill(
                {"messages": "".join(f"<p>{escape(m)}</p>" for m in messages)})
        return self.page.fill(values).encode()

    def no_words_page(self, request: Request) -> bytes:
        return self._form_page(request.text, request.filters, results=self.no_words)

    def results_page(self, request: Request, total: int,
                     rows: list[tuple[str, ...]]) -> bytes | None:
        """The page of results, or None when the page number is past the end."""
        size = self.page_size
        pages = max(1, -(-total // size))
        number = request.page
        if number > pages:
            return None
        memo: dict = {}
        items = [self._item(row, request.parsed, memo) + "\n" for row in rows]  # as {% for %}
        prev, following = number > 1, number < pages
        kind = "empty" if not items else "one" if total == 1 else "many"
        piece = self.results.get(f"{kind}:{int(prev)}:{int(following)}")
        if piece is None:
            raise ShellError(f"the {self.lang} search shell has no {kind} results")
        middle = piece.fill({
            "q": escape(request.text), "count": str(total), "items": "".join(items),
            "start": str((number - 1) * size + 1), "number": str(number), "pages": str(pages),
            "prev": escape(request.link(number - 1)), "next": escape(request.link(number + 1)),
        })
        return self._form_page(request.text, request.filters, results=middle, number=number)

    def _item(self, row: tuple[str, ...], parsed: ParsedQuery, memo: dict) -> str:
        language, section, path, title, lede, stamp, byline, key, name = row
        byline_piece = self.bylines.get(byline) or self.bylines.get("")
        day = _day(stamp[:10]) or date(1970, 1, 1)
        template = self.item if language == self.lang else self.item_other
        return template.fill({
            "lang": escape(language), "url": escape(path), "title": escape(title),
            "byline": byline_piece.fill({"key": escape(quote(key, safe=_PATH_SAFE)),
                                         "name": escape(name)}) if byline_piece else "",
            "slug": escape(quote(section, safe=_PATH_SAFE)),
            "section": escape(self.sections.get(section, section)),
            "stamp": escape(stamp),
            "date": self.months[day.month - 1].fill({"d": str(day.day), "y": str(day.year)}),
            "snippet": summary(lede, matcher(parsed, language, memo)),
        })


@dataclass(frozen=True)
class Request:
    """A search as the origin's page would run it; `key` names its answer."""

    path: str
    lang: str
    text: str
    parsed: ParsedQuery
    filters: dict[str, str]  # section, language, from, to: as given, checked
    page: int
    days: tuple[date | None, date | None]  # from, to
    start: int | None  # microseconds: published_at >= start
    before: int | None  # published_at < before
    languages: tuple[str, ...]  # which languages the words are stemmed in

    @property
    def key(self) -> tuple:
        f = self.filters
        return (self.lang, self.text, f["section"], f["language"], f["from"], f["to"],
                self.page)

    @property
    def match(self) -> str | None:
        return fts5.match_expression(self.parsed, self.languages)

    def link(self, number: int) -> str:
        """The origin's own prev/next address (views/search.py's url())."""
        start, end = self.days
        params = {"q": self.text, "section": self.filters["section"],
                  "language": self.filters["language"],
                  "from": start.isoformat() if start else "",
                  "to": end.isoformat() if end else ""}
        params = {k: v for k, v in params.items() if v}
        if number > 1:
            params["page"] = str(number)
        return f"{self.path}?{urlencode(params)}"


@dataclass(frozen=True)
class Refusal:
    """An answer known without the index: an error page, or (status 200, no
    body) the edition's own search page, for an empty query."""

    status: int
    body: bytes | None


class Page:
    """An answer of the edge's, with its gzip form; kept in the results cache."""

    __slots__ = ("status", "head", "body", "gzip_head", "gzip_body")

    def __init__(self, status: int, head: bytes, body: bytes) -> None:
        self.status, self.body = status, body
        self.head = status_line(status) + head + b"Content-Length: " + str(
            len(body)).encode() + b"\r\n"
        self.gzip_head = self.gzip_body = None
        if len(body) >= _GZIP_FROM:
            packed = gzip.compress(body, 6, mtime=0)
            if len(packed) < len(body):
                self.gzip_body = packed
                self.gzip_head = (status_line(status) + head + b"Content-Encoding: gzip\r\n"
                                  + b"Vary: Accept-Encoding\r\nContent-Length: "
                                  + str(len(packed)).encode() + b"\r\n")
                self.head += b"Vary: Accept-Encoding\r\n"

    def response(self, ae: bytes | None, head_only: bool, tail: bytes) -> bytes:
        if self.gzip_head is not None and ae and encoding_code(ae) & GZIP:
            head, body = self.gzip_head, self.gzip_body
        else:
            head, body = self.head, self.body
        return head + tail if head_only else head + tail + body  # type: ignore[operator]


def _day(raw: str) -> date | None:
    """A year-month-day date as DateField(input_formats=["%Y-%m-%d"]) reads it."""
    if not _DATE.match(raw):
        return None
    try:
        return datetime.strptime(raw.strip(), "%Y-%m-%d").date()
    except ValueError:
        return None


def _page_head(page: Resource | None, lang: str) -> bytes:
    """The search page's own headers (type, language, cache, X-Robots-Tag, the
    security headers), as the edition serves /<lang>/search/: a results page
    is that page with results in it."""
    if page is None:
        return _DEFAULT_HEADERS + f"Content-Language: {lang}\r\n".encode()
    lines = page.identity.head.split(b"\r\n")[1:]
    return b"".join(line + b"\r\n" for line in lines
                    if line and not line.lower().startswith(_OWN))
