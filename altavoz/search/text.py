"""Turning text into search terms: the same steps for articles and for queries.

normalize (lower case, accents off) → split into words → Snowball stem in the
text's language. Accents come off *before* stemming, so "revolucion" and
"revolución" reach the stemmer as the same word and get the same stem; PostgreSQL
does the same (unaccent, then the language's Snowball dictionary).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator

import snowballstemmer

# Django language code → Snowball algorithm (and PostgreSQL text search config,
# which uses the same Snowball stemmers under the same names). A language not
# listed is searched without stemming: still accent- and case-insensitive.
LANGUAGE_NAMES: dict[str, str] = {
    "es": "spanish",
    "en": "english",
    "pt": "portuguese",
    "fr": "french",
    "it": "italian",
    "de": "german",
}

# A word is a run of letters and digits: what SQLite's unicode61 tokenizer keeps
# as a token. "_" is not a letter for either of them.
WORD = re.compile(r"[^\W_]+")
# NFKD splits "ó" into "o" + U+0301; these blocks hold the combining marks that
# Latin, Greek and Cyrillic letters decompose into (what unaccent removes too).
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# Stems are cached per language: news text reuses a small vocabulary, and a dict
# lookup is ~100x cheaper than running the pure-Python stemmer again. Cleared,
# not grown, past this many words, so memory stays bounded.
_CACHE_WORDS = 200_000

# Words too common to help a query (and dropped by PostgreSQL's dictionaries too).
# Only plain query words are dropped, never words inside a quoted phrase, and never
# all of a query's words. Articles keep them: phrases need their positions.
_STOP_ES = """a al algo como con contra cual de del desde donde e el ella ellas ellos en entre
era es esa ese eso esta este esto fue ha han hasta hay la las le les lo los mas me mi muy ni
no nos o os para pero por porque que se ser si sin sobre son su sus tambien te tiene todo
todos tu un una uno unos unas y ya yo"""
_STOP_EN = """a an and are as at be been but by can for from had has have he her his i if in
into is it its no not of on or our she so than that the their them then there these they
this to was we were what when which who will with you your"""
STOP_WORDS: frozenset[str] = frozenset(_STOP_ES.split()) | frozenset(_STOP_EN.split())


class _Stemmers:
    """One Snowball stemmer per language, each with its word → stem cache."""

    def __init__(self) -> None:
        self._stemmers: dict[str, snowballstemmer.stemmer] = {}
        self._caches: dict[str, dict[str, str]] = {}
        # A Snowball stemmer keeps its work in the instance: worker threads must
        # take turns. Only cache misses get here, so the lock is rarely held.
        self._lock = threading.Lock()

    def cache(self, language: str) -> dict[str, str]:
        found = self._caches.get(language)
        if found is None:
            found = self._caches.setdefault(language, {})
        return found

    def stem_new(self, language: str, word: str) -> str:
        name = LANGUAGE_NAMES.get(language)
        if name is None:
            return word
        with self._lock:
            stemmer = self._stemmers.get(language)
            if stemmer is None:
                stemmer = self._stemmers[language] = snowballstemmer.stemmer(name)
            found = stemmer.stemWord(word) or word
        cache = self.cache(language)
        if len(cache) >= _CACHE_WORDS:
            cache.clear()
        cache[word] = found
        return found


_stemmers = _Stemmers()


def normalize(text: str) -> str:
    """Lower case without accents: "REVOLUCIÓN" → "revolucion", "Ñandú" → "nandu"."""
    text = text.lower()
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", _COMBINING.sub("", unicodedata.normalize("NFKD", text)))


def words(text: str) -> list[str]:
    """The normalized words of `text`, in order."""
    return WORD.findall(normalize(text))


def stem(word: str, language: str) -> str:
    """The stem of one normalized word in `language` (the word itself if unknown)."""
    found = _stemmers.cache(language).get(word)
    return found if found is not None else _stemmers.stem_new(language, word)


def stems(text: str, language: str) -> list[str]:
    """Every word of `text` as its stem, in order (positions matter for phrases)."""
    cache = _stemmers.cache(language)
    out = []
    for word in WORD.findall(normalize(text)):
        found = cache.get(word)
        out.append(found if found is not None else _stemmers.stem_new(language, word))
    return out


def stemmed_text(text: str, language: str) -> str:
    """What goes into an FTS5 column: the stems, space-separated."""
    return " ".join(stems(text, language))


def stemmed_words(words_: Iterable[str], language: str) -> Iterator[str]:
    for word in words_:
        yield stem(word, language)


# Markdown the reader never sees as words: link targets and image addresses.
_LINK_TARGET = re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")


def plain_markdown(text: str) -> str:
    """Article Markdown without link targets, so a URL's words do not match."""
    return _LINK_TARGET.sub("]", text)
