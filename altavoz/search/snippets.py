"""The few words around a match, with the matching words marked.

Made from the article's own text (never from the index, which holds only stems):
a word is marked when its stem is one of the query's stems in the article's
language, so "campesinos" marks "campesina" and "Revolución" marks "revolucion".
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from altavoz.search.highlight import SNIPPET_CHARS, Matcher, mark, matcher, shorten
from altavoz.search.query import ParsedQuery
from altavoz.search.text import WORD, plain_markdown

__all__ = ["SCAN_CHARS", "SNIPPET_CHARS", "snippet"]

# Matches further into a long text than this are not looked for: a snippet is a
# hint, and scanning a 100,000-character text for 20 results would cost more
# than the search itself.
SCAN_CHARS = 20_000
# Markdown and HTML that would read as noise in a snippet: emphasis, code and
# table marks, headings, quotes, list bullets, link brackets, tags.
_MARKUP = re.compile(r"[*_`|]+|!?\[|\]|^\s*(?:#+|>+|[-+])\s+|</?[a-zA-Z][^<>]{0,200}>",
                     re.MULTILINE)


def snippet(lede: str, body: str, query: ParsedQuery, language: str,
            memo: dict[str, Matcher] | None = None) -> SafeString:
    """The summary with its matches marked if it has any, else the stretch of the
    text around the first match, else the plain summary. Pass the same `memo`
    for every result of one page: their words are looked at once."""
    matches = matcher(query, language, memo)
    marked = mark(lede, matches)
    if marked is not None:
        return mark_safe(marked)  # escaped piece by piece (highlight.mark)
    text = " ".join(_MARKUP.sub(" ", plain_markdown(body[:SCAN_CHARS])).split())
    first = _first_match(text, matches)
    if first is None:
        return mark_safe(escape(shorten(lede)))  # escaped just here
    start = max(0, first - SNIPPET_CHARS // 3)
    if start:
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > first else end
    window = text[start:end]
    marked = mark(window, matches) or escape(window)
    prefix = "… " if start else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(f"{prefix}{marked}{suffix}")  # built from escaped parts


def _first_match(text: str, matches: Matcher) -> int | None:
    for match in WORD.finditer(text):
        if matches(match.group()):
            return match.start()
    return None
