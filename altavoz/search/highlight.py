"""Marking a query's words in a text, without Django: the core of snippets.py,
shared with the edge, which answers searches from an edition's index with no
Django at all (altavoz/shield/search.py).

A word is marked when its stem is one of the query's stems in the text's
language, so "campesinos" marks "campesina" and "Revolución" marks "revolucion".
Everything returned is HTML-escaped (html.escape: the same five characters
Django's escape() replaces).
"""

from __future__ import annotations

from html import escape

from altavoz.search.query import ParsedQuery
from altavoz.search.text import WORD, normalize, stem

# Roughly two lines of a results page.
SNIPPET_CHARS = 220


class Matcher:
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


def matcher(query: ParsedQuery, language: str, memo: dict[str, Matcher] | None) -> Matcher:
    """The matcher of `query` for texts in `language`; pass the same `memo` for
    every result of one page: their words are looked at once."""
    found = memo.get(language) if memo is not None else None
    if found is None:
        found = Matcher(query.stems(language), language)
        if memo is not None:
            memo[language] = found
    return found


def mark(text: str, matches: Matcher) -> str | None:
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
    return "".join(parts)


def shorten(text: str) -> str:
    if len(text) <= SNIPPET_CHARS:
        return text
    cut = text.rfind(" ", 0, SNIPPET_CHARS)
    return text[: cut if cut > 0 else SNIPPET_CHARS] + " …"


def summary(lede: str, matches: Matcher) -> str:
    """The summary with its matches marked, else the summary (shortened), escaped:
    the edge's snippet, which has the summary but not the text (the index keeps
    no copy of it)."""
    marked = mark(lede, matches)
    return marked if marked is not None else escape(shorten(lede))
