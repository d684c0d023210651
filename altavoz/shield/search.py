"""Searches answered at the edge, from the edition's index: the origin never
sees a reader's search (DESIGN.md, principle 1).

- The index. An edition's `search_index` blob is a standalone SQLite FTS5 file
  (altavoz/search/fts5.py): its hash is checked like every blob's, then it is
  copied into one shared in-memory database (SQLite's memdb VFS), opened
  read-only by each search thread. It is loaded once per blob: editions that
  keep the same index (patches usually do) share it, results cache included.
- The pages. Each language's search shell (an edition path, made by the
  origin's own templates: altavoz/newsroom/views/search_shell.py) holds the
  page in pieces; search_pages.py reads the query string as the origin's page
  does and fills the pieces in. No Django at the edge.
- The budget. Queries run on `search_threads` threads, never on the event loop,
  each within `search_timeout` (a progress handler interrupts SQLite) counted
  from when it was asked; at most `search_queue` more wait. Past that, 503 with
  Retry-After at once. A flood costs little: answers are cached per normalised
  query (language, words, filters, page: other parameters are ignored) for the
  life of the index, and identical queries running at once share one run.
- The fallback. An edition without a usable index or shell (an older builder's,
  a damaged blob) has its searches forwarded to the origin, as before; that is
  logged once per index.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import logging
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from altavoz.search import fts5
from altavoz.search.documents import microseconds
from altavoz.shield import clock, pages, respond
from altavoz.shield.forwarding import Forwarding
from altavoz.shield.search_pages import Page, Refusal, Request, Shell, ShellError

if TYPE_CHECKING:
    from altavoz.shield.context import EdgeContext
    from altavoz.shield.edition import Edition, Resource
    from altavoz.shield.metrics import Metrics
    from altavoz.shield.request import Request as HttpRequest
    from altavoz.shield.settings import EdgeSettings

log = logging.getLogger("altavoz.shield")
SHELL = "/{}/search/shell/"
PAGE = "/{}/search/"
# SQLite virtual machine steps between two looks at the clock: ~0.1 ms of work.
_STEPS = 2000
_names = itertools.count()
_loaded: weakref.WeakValueDictionary[str, Index] = weakref.WeakValueDictionary()
_warned: set[str] = set()
_unreadable: dict[str, str] = {}  # index blob → why it cannot be used: not read again
_deadline = threading.local()  # per search thread: when its query must stop


class Unusable(Exception):
    """The edition's index or shells cannot answer searches; the message says why."""


class Busy(Exception):
    """No search thread within the queue's bounds, or no time left: 503 now."""


def _over_time() -> int:
    return time.monotonic() > _deadline.at


class Index:
    """One search index file in memory, shared by the search threads."""

    def __init__(self, sha: str, data: bytes) -> None:
        self.sha = sha
        self.uri = f"file:/altavoz-search-{sha[:16]}-{next(_names)}?vfs=memdb"
        try:
            loaded = sqlite3.connect(":memory:")
            try:
                loaded.deserialize(data)
                found = fts5.standalone_format(loaded.cursor())
                if found < fts5.STANDALONE_FORMAT:
                    raise Unusable(f"its format is {found}; results need "
                                   f"{fts5.STANDALONE_FORMAT}")
                # The memdb VFS shares a database between connections by name: one
                # copy in memory, read by every search thread's own connection.
                self._owner = sqlite3.connect(self.uri, uri=True, check_same_thread=False)
                loaded.backup(self._owner)
            finally:
                loaded.close()
        except sqlite3.Error as exc:
            raise Unusable(f"it cannot be read: {exc}") from exc
        self._local = threading.local()

    def cursor(self) -> sqlite3.Cursor:
        """This thread's read-only connection's cursor (on a search thread)."""
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self.uri, uri=True, check_same_thread=False)
            con.execute("PRAGMA query_only = 1")
            con.set_progress_handler(_over_time, _STEPS)
            self._local.con = con
        return con.cursor()


class Cache:
    """Answers by normalised query, least recently used out first."""

    def __init__(self) -> None:
        self.pages: collections.OrderedDict[tuple, Page] = collections.OrderedDict()

    def get(self, key: tuple) -> Page | None:
        page = self.pages.get(key)
        if page is not None:
            self.pages.move_to_end(key)
        return page

    def put(self, key: tuple, page: Page, limit: int) -> None:
        self.pages[key] = page
        while len(self.pages) > limit:
            self.pages.popitem(last=False)


class EdgeSearch:
    """What one edition answers searches with (Edition.search)."""

    def __init__(self, index: Index, shells: dict[str, Shell], pages: dict[str, Resource],
                 sources: tuple, paths: dict[bytes, Any], cache: Cache,
                 languages: tuple[str, ...]) -> None:
        self.index = index
        self.shells = shells  # language → its shell
        self.pages = pages  # "/<lang>/search/" → the edition's own page (empty queries)
        self.sources = sources  # what the shells were made from, to reuse them
        self.paths = paths  # the edition's paths: a hit must still be one of them
        self.cache = cache
        self.languages = languages
        self.running: dict[tuple, asyncio.Future[Page]] = {}

    def answers(self, path: str) -> bool:
        return path in self.pages

    def read(self, path: str, query: bytes) -> Request | Refusal:
        return self.shells[path.split("/", 2)[1]].read(path, query, self.languages)

    def run(self, request: Request, deadline: float) -> Page:
        """One search, on a search thread: the page, or Busy past its deadline."""
        shell = self.shells[request.lang]
        if time.monotonic() > deadline:
            raise Busy  # waited its whole time in the queue
        match = request.match
        if match is None:  # nothing to look for ("-word" alone, punctuation)
            return Page(200, shell.head, shell.no_words_page(request))
        _deadline.at = deadline
        size = shell.page_size
        try:
            cursor = self.index.cursor()
            total, hits = fts5.search(
                cursor, match, now=microseconds(datetime.now(UTC)),
                language=request.filters["language"] or None,
                section=request.filters["section"] or None, start=request.start,
                before=request.before, limit=size, offset=(request.page - 1) * size)
            found = fts5.results(cursor, [pk for pk, _score in hits])
        except sqlite3.OperationalError as exc:
            if "interrupt" in str(exc):
                raise Busy from exc
            raise
        rows = [found[pk] for pk, _score in hits
                if pk in found and found[pk][2].encode() in self.paths]
        body = shell.results_page(request, total, rows)
        if body is None:
            return Page(404, b"", b"")  # past the end: the edition's 404 page
        return Page(200, shell.head, body)


def attach(edition: Edition, manifest: dict[str, Any], blob: Callable[[str, int], bytes],
           previous: Edition | None) -> EdgeSearch | None:
    """The search of a freshly built edition (on the loader's thread), or None
    when searches must go to the origin. Reuses what `previous` had loaded."""
    info = manifest.get("search_index")
    sha = str(info.get("blob")) if isinstance(info, dict) else ""
    try:
        if not sha:
            raise Unusable("the edition has none")
        old = previous.search if previous is not None else None
        index = _loaded.get(sha)
        if index is None:
            if sha in _unreadable:
                raise Unusable(_unreadable[sha])
            try:
                index = Index(sha, blob(sha, int(info["size"])))  # type: ignore[index]
            except Exception as exc:  # EditionRefused (missing, not what was signed), Unusable
                _unreadable[sha] = str(exc)
                raise Unusable(str(exc)) from exc
            _loaded[sha] = index
        # (language, its shell, its search page): Resources compare by identity, and
        # an unchanged path keeps its Resource from one edition to the next.
        sources = tuple((lang, edition.entries.get(SHELL.format(lang)),
                         edition.find(PAGE.format(lang))) for lang in edition.languages)
        if old is not None and old.sources == sources:
            shells, cache = old.shells, (old.cache if old.index is index else Cache())
        else:
            shells = {lang: Shell(lang, shell.identity.body, page)
                      for lang, shell, page in sources if shell is not None}
            cache = Cache()
        if not shells:
            raise Unusable("the edition has no search shell")
    except (Unusable, ShellError) as exc:
        if sha not in _warned:
            _warned.add(sha)
            log.warning("edition %s: searches go to the origin, its search index is not "
                        "usable: %s", edition.id[:12], exc)
        return None
    pages = {PAGE.format(lang): page for lang, _shell, page in sources if lang in shells}
    return EdgeSearch(index, shells, pages, sources, edition.paths, cache, edition.languages)


class Searcher:
    """The edge's search threads and their bounds, shared by every edition."""

    def __init__(self, settings: EdgeSettings, metrics: Metrics) -> None:
        self.threads = settings.search_threads
        self.queue = settings.search_queue
        self.timeout = settings.search_timeout
        self.cache_size = settings.search_cache
        self.metrics = metrics
        self.pending = 0  # asked and not finished, running or waiting
        self._pool: ThreadPoolExecutor | None = None

    def cached(self, search: EdgeSearch, request: Request) -> Page | None:
        page = search.cache.get(request.key)
        if page is not None:
            self.metrics.search_cached += 1
        return page

    async def answer(self, search: EdgeSearch, request: Request) -> Page:
        """The page, from the cache, from the same query already running, or run."""
        key = request.key
        page = self.cached(search, request)
        if page is not None:
            return page
        running = search.running.get(key)
        if running is None:
            if self.pending >= self.threads + self.queue:
                self.metrics.search_shed += 1
                raise Busy
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.threads, "search")
            self.pending += 1
            deadline = time.monotonic() + self.timeout
            running = asyncio.get_running_loop().run_in_executor(
                self._pool, search.run, request, deadline)
            search.running[key] = running
            running.add_done_callback(lambda done: self._done(search, key, done))
        else:
            self.metrics.search_cached += 1  # shares a run already under way
        return await asyncio.shield(running)

    def _done(self, search: EdgeSearch, key: tuple, done: asyncio.Future[Page]) -> None:
        self.pending -= 1
        search.running.pop(key, None)
        if done.cancelled():
            return
        error = done.exception()
        if error is None:
            self.metrics.searches += 1
            search.cache.put(key, done.result(), self.cache_size)
        elif isinstance(error, Busy):
            self.metrics.search_shed += 1
        # Any other error reaches every request waiting for it (a 503, logged there).


class Searching:
    """Mixed into EdgeProtocol before Forwarding: searches the edition's index
    answers (routes.route marks them `r.search`) take the forwarding path, in
    order with pipelined requests, but never reach the origin."""

    ctx: EdgeContext
    s: EdgeSettings

    if TYPE_CHECKING:  # provided by Forwarding and EdgeProtocol; a stub here would hide them
        def send(self, data: bytes) -> None: ...
        def _log(self, r: HttpRequest, status: int, sent: int) -> None: ...

    def _search_now(self, r: HttpRequest, head_only: bool,
                    tail: bytes) -> tuple[bytes, int] | None:
        """The answer when it is known at once (cached, or not a query at all);
        None when it must run (or, the edition having changed, be forwarded)."""
        edition = self.ctx.loader.edition
        search = edition.search if edition is not None else None
        if search is None:
            return None
        path = r.path.decode("latin-1")
        if "%" in path or not search.answers(path):
            return None
        read = search.read(path, r.query)
        if isinstance(read, Refusal):
            if read.status == 200:  # no words at all: the edition's search page
                res = search.pages[path]
                head, body, status = respond.from_resource(res, r.ae, r.inm, None, None,
                                                           head_only)
                return (head + tail if body is None else head + tail + body), status
            if read.status == 404:
                self.ctx.metrics.client_errors += 1
                return respond.not_found(edition, r.lang or "es", r.ae, head_only, tail), 404
            self.ctx.metrics.client_errors += 1  # 400: the form, with what to correct
            page = Page(read.status, search.shells[path.split("/", 2)[1]].head, read.body or b"")
            return page.response(r.ae, head_only, tail), read.status
        page = self.ctx.searcher.cached(search, read)
        if page is None:
            r.search = (search, read)
            return None
        return self._page(r, page, head_only, tail)

    def _page(self, r: HttpRequest, page: Page, head_only: bool,
              tail: bytes) -> tuple[bytes, int]:
        if page.status == 404:
            self.ctx.metrics.client_errors += 1
            edition = self.ctx.loader.edition
            return respond.not_found(edition, r.lang or "es", r.ae, head_only, tail), 404
        return page.response(r.ae, head_only, tail), page.status

    async def _forward_one(self, r: HttpRequest, close: bool) -> bool:
        if not isinstance(r.search, tuple):  # not a search, or no index any more
            return await Forwarding._forward_one(self, r, close)  # type: ignore[arg-type]
        search, request = r.search
        tail = clock.TAILS[clock.CLOSE if close else clock.KEEP_10 if r.http10 else clock.KEEP]
        head_only = r.method == b"HEAD"
        try:
            page = await self.ctx.searcher.answer(search, request)
            data, status = self._page(r, page, head_only, tail)
        except Exception as exc:  # Busy; or a bug, which must not become a 500
            if not isinstance(exc, Busy):
                log.exception("search failed")
            self.ctx.metrics.server_errors += 1
            data, status = respond.error(503, tail, head_only, lang=request.lang,
                                         retry_after=self.s.retry_after,
                                         body=pages.SEARCH_BUSY), 503
        self.send(data)
        if self.ctx.log is not None:
            self._log(r, status, len(data))
        return False
