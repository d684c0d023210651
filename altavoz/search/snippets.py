"""The few words around a match, with the matching words marked.

Made from the article's own text (never from the index, which holds only stems):
a word is marked when its stem is one of the query's stems in the article's
language, so "campesinos" marks "campesina" and "Revolución" marks "revolucion".
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from altavoz.search.query import ParsedQuery
from altavoz.search.text import WORD, normalize, plain_markdown, stem

# Roughly two lines of a results page.
SNIPPET_CHARS = 220
# Matches further into a long text than this are not looked for: a snippet is a
# hint, and scanning a 100,000-character text for 20 results would cost more
# than the search itself.
SCAN_CHARS = 20_000
# Markdown and HTML that would read as noise in a snippet: emphasis, code and
# table marks, headings, quotes, list bullets, link brackets, tags.
_MARKUP = re.compile(r"[*_`|]+|!?\[|\]|^\s*(?:#+|>+|[-+])\s+|</?[a-zA-Z][^<>]{0,200}>",
                     re.MULTILINE)


class _Matcher:
    """Does a word of the text match? Remembered per word: texts repeat their
    words, and normalizing + stemming each occurrence was most of a page's time."""

    def __init__(self, wanted: set[str], language: str) -> None:
        self.wanted, self.language = wanted, language
        self.seen: dict[str, bool] = {}

    def __call__(self, word: str) -> bool:
        found = self.seen.get(word)
        if found is None:
            normalized = WORD.findall(normalize(word))
            found = self.seen[word] = (
                len(normalized) == 1 and stem(normalized[0], self.language) in self.wanted)
        return found


def snippet(lede: str, body: str, query: ParsedQuery, language: str,
            memo: dict[str, _Matcher] | None = None) -> SafeString:
    """The summary with its matches marked if it has any, else the stretch of the
    text around the first match, else the plain summary. Pass the same `memo`
    for every result of one page: their words are looked at once."""
    matches = memo.get(language) if memo is not None else None
    if matches is None:
        matches = _Matcher(query.stems(language), language)
        if memo is not None:
            memo[language] = matches
    marked = _mark(lede, matches)
    if marked is not None:
        return marked
    text = " ".join(_MARKUP.sub(" ", plain_markdown(body[:SCAN_CHARS])).split())
    first = _first_match(text, matches)
    if first is None:
        return mark_safe(escape(_shorten(lede)))  # escaped just here
    start = max(0, first - SNIPPET_CHARS // 3)
    if start:
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > first else end
    window = text[start:end]
    marked = _mark(window, matches) or escape(window)
    prefix = "… " if start else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(f"{prefix}{marked}{suffix}")  # built from escaped parts


def _first_match(text: str, matches: _Matcher) -> int | None:
    for match in WORD.finditer(text):
        if matches(match.group()):
            return match.start()
    return None


def _mark(text: str, matches: _Matcher) -> SafeString | None:
    """`text` escaped, its matching words in <mark>; None if no word matches."""
    parts: list[str] = []
    last = 0
    found = False
    for match in WORD.finditer(text):
        if matches(match.group()):
            parts.append(escape(text[last:match.start()]))
            parts.append(f"<mark>{escape(match.group())}</mark>")
            last = match.end()
            found = True
    if not found:
        return None
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))  # every piece escaped above


def _shorten(text: str) -> str:
    if len(text) <= SNIPPET_CHARS:
        return text
    cut = text.rfind(" ", 0, SNIPPET_CHARS)
    return text[: cut if cut > 0 else SNIPPET_CHARS] + " …"
