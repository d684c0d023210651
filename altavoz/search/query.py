"""What a reader types, parsed into terms no search engine can misread.

The little query language: words (all must appear), "quoted phrases" (words
next to each other, in order), and -word or -"phrase" to leave out articles
that contain them. Nothing else is syntax: parentheses, OR, NEAR, *, ^ and
colons are just punctuation, so a query can never be an FTS5 or tsquery syntax
error. Each backend compiles a ParsedQuery into its own language from these
normalized words, quoting every one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from altavoz.search.text import STOP_WORDS, stem, words

# The search input's maxlength; longer queries (hand-made URLs) are cut, not refused.
MAX_QUERY_CHARS = 200
# More terms make a query slower, not better: every term is one more doclist to
# intersect. Phrases count as one term; their words are capped separately.
MAX_TERMS = 8
MAX_PHRASE_WORDS = 8

# A quoted phrase (the closing quote may be missing: the phrase runs to the end),
# or a run of anything but spaces and quotes; either may start with "-".
_CHUNK = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')


@dataclass(frozen=True)
class Term:
    """Normalized words that must appear together; more than one is a phrase."""

    words: tuple[str, ...]

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    include: tuple[Term, ...]
    exclude: tuple[Term, ...] = ()

    @property
    def is_empty(self) -> bool:
        """Nothing to look for: no words, only punctuation, or only exclusions."""
        return not self.include

    def stems(self, language: str) -> set[str]:
        """The stems an article in `language` must hold for a word to match:
        what snippets highlight."""
        return {stem(word, language) for term in self.include for word in term.words}


def clean_query(raw: str) -> str:
    """What the reader typed, without control characters (NUL breaks PostgreSQL,
    lone surrogates break UTF-8) and no longer than the form allows."""
    printable = "".join(
        ch if unicodedata.category(ch)[0] != "C" else " " for ch in raw[: MAX_QUERY_CHARS * 2]
    )
    return " ".join(printable.split())[:MAX_QUERY_CHARS].strip()


def parse_query(raw: str) -> ParsedQuery:
    """Any string becomes a ParsedQuery; none raises."""
    text = clean_query(raw)
    include: list[Term] = []
    exclude: list[Term] = []
    for match in _CHUNK.finditer(text):
        quoted = match.group(2)
        negated = bool(match.group(1) if quoted is not None else match.group(3))
        found = words(quoted if quoted is not None else match.group(4))
        if not found:
            continue
        # "derechos-humanos" or "don't" outside quotes: the words belong together too.
        term = Term(tuple(found[:MAX_PHRASE_WORDS]))
        target = exclude if negated else include
        if term not in include and term not in exclude and len(include) + len(exclude) < MAX_TERMS:
            target.append(term)
    return ParsedQuery(text=text, include=_without_stop_words(include), exclude=tuple(exclude))


def _without_stop_words(terms: list[Term]) -> tuple[Term, ...]:
    """"la huelga" looks for "huelga": "la" is in nearly every Spanish article and
    only slows the search down. A query of stop words alone keeps them."""
    kept = [t for t in terms if t.is_phrase or t.words[0] not in STOP_WORDS]
    return tuple(kept or terms)
