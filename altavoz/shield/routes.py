"""Which requests are the edition's and which go to the origin.

The edition answers every GET and HEAD it has a path for, whatever the query
string (a cache-busting `?x=123` gets the same cached bytes). The origin gets
only what needs it: every POST, the origin-rendered pages (account, write,
editor, comment forms), filtered API reads (a query on those paths selects an
answer), searches when the edition has no usable search index (with one, the
edge answers them: search.py), admin, and media files the edition does not hold. Any other
path that is not in the edition is a 404 at the edge: random paths never reach
the origin.
"""

from __future__ import annotations

from urllib.parse import quote

from altavoz.shield.challenge import ENDPOINTS as CHALLENGE_PATHS
from altavoz.shield.edition import Edition
from altavoz.shield.http import language_of, normalise
from altavoz.shield.request import (
    CHALLENGE,
    FORWARD,
    HEALTHZ,
    NO_EDITION,
    NOT_ALLOWED,
    NOT_FOUND,
    REDIRECT,
    SERVE,
    Request,
)

# The first segment after /<lang>/ of origin-rendered pages (altavoz/urls.py).
_ORIGIN_SECTIONS = frozenset({"account", "write", "mine", "editor", "comment", "search"})
_ORIGIN_PREFIXES = ("/api/v1/", "/manage/", "/media/")
DEFAULT_LANGUAGES = ("es", "en")
_SAFE = "/!$&'()*+,;=:@-._~"  # characters a path keeps unescaped in a Location


def is_origin_path(path: str, languages: tuple[str, ...]) -> bool:
    """Paths only the origin can answer (decoded path, query not included)."""
    if path.startswith(_ORIGIN_PREFIXES):
        return True
    parts = path.split("/", 5)
    if len(parts) < 4 or parts[1] not in languages:
        return False
    if parts[2] in _ORIGIN_SECTIONS:
        return True
    # /<lang>/article/<slug>/comment/: the new-comment form (feeds end in comments/feed/).
    return parts[2] == "article" and len(parts) >= 5 and parts[4] == "comment"


def query_selects(path: bytes, languages: tuple[str, ...]) -> bool:
    """Edition paths where a query string selects a different answer (search,
    API filters). Called only when a query is present, so cheap enough."""
    if path == b"/api/v1/articles":  # the one API list that takes filters
        return True
    if path.endswith(b"/search/"):
        return path.count(b"/") == 3 and path[1:-8].decode("latin-1") in languages
    return False


def trailing_slash_twin(path: str) -> str | None:
    """'/es/about' → '/es/about/' to try: directory-like pages end with '/'."""
    if path.endswith("/") or "." in path.rsplit("/", 1)[-1]:
        return None
    return path + "/"


def route(r: Request, edition: Edition | None) -> None:
    """Set r.action (and what it needs) for everything but an exact edition hit:
    the slow path, on the decoded path. Raises http.BadPath for a bad path."""
    if r.path == b"/healthz":
        r.action = HEALTHZ
        return
    if r.path in CHALLENGE_PATHS:  # the challenge's script, worker and clearance endpoint
        r.action = CHALLENGE
        return
    path = normalise(r.path)
    languages = edition.languages if edition is not None else DEFAULT_LANGUAGES
    r.lang = language_of(path, r.al, languages,
                         edition.default_language if edition is not None else languages[0])
    res = edition.find(path) if edition is not None else None
    method = r.method
    if method == b"GET" or method == b"HEAD":
        selects = bool(r.query) and query_selects(path.encode(), languages)
        if res is not None and not selects:
            r.res, r.action = res, SERVE
        elif selects or is_origin_path(path, languages):
            r.action = FORWARD
            # Searches the edition's index answers stay FORWARDs to the budgets and the
            # challenge; protocol.py then answers them at the edge (search.py).
            r.search = selects and edition is not None and edition.search is not None and (
                edition.search.answers(path))
        elif edition is None:
            r.action = NO_EDITION
        elif path.encode() in edition.redirects:
            r.action, r.location = REDIRECT, edition.redirects[path.encode()]
        else:
            twin = trailing_slash_twin(path)
            if twin is not None and edition.find(twin) is not None:
                r.action = REDIRECT
                r.location = quote(twin, safe=_SAFE).encode() + (
                    b"?" + r.query if r.query else b"")
            else:
                r.action = NOT_FOUND
    elif method == b"CONNECT" or method == b"TRACE":
        r.action = NOT_ALLOWED
    elif method == b"POST" or is_origin_path(path, languages):
        r.action = FORWARD  # forms post to many addresses; the origin knows which
    elif res is not None or (edition is not None and path.encode() in edition.redirects):
        r.action = NOT_ALLOWED
    else:
        r.action = NOT_FOUND
