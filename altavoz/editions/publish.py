"""`altavoz publish`: put what changed into the live edition, rendering only
the pages that show it (plan.py), as a signed patch on the full edition.

One publish: read the queued changes (models.PendingChange) and the articles
that fell due since the last one; plan; render; store blobs; write the patch
manifest (every path changed since the full base, so a patch is always one
step from its base); record what the new edition shows (deps.py); make it
live; only then drop the queue rows it covered. A crash anywhere leaves the
previous edition live and the rows queued, or (between deps and `current`) an
edition the next publish makes live. Past ALTAVOZ_EDITIONS_PATCH_LIMIT paths
the patch is folded into a new full manifest.

A change that every page may show (a section renamed, a person's public name)
is queued as "full" and leads to a whole build.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from rich.console import Console

from altavoz.editions import background as background_work
from altavoz.editions import build as full_build
from altavoz.editions import deps, plan, signing, store
from altavoz.editions.deps import Deps
from altavoz.editions.manifest import (
    Manifest,
    PathEntry,
    Site,
    Variant,
    canonical,
    resolve,
    scan_previous,
)
from altavoz.editions.models import PendingChange
from altavoz.editions.render import BaseUrl, Rendered, Renderer
from altavoz.newsroom.models import Article

log = logging.getLogger("altavoz.publish")
# deps meta: articles changed since the sitemap was last brought up to date.
SITEMAP_PENDING = "sitemap_pending"
SITEMAP_INFLIGHT = "sitemap_inflight"  # taken by a background sitemap job
# deps meta: publishes that changed articles, and how many of them the edition's
# search index covers; they differ while the index is behind.
GENERATION = "generation"
INDEXED = "indexed"
# deps meta: "1" from the commit naming a new edition until `current` names it.
SWITCHING = "switching"
INDEX_BUILDS = "index-builds"  # under the store: same file system, so adopting is a rename


class NeedsFullBuild(Exception):
    """Nothing to patch (no edition yet, or deps of another one), or a change
    every page shows; the message says which."""


@dataclass
class PublishReport:
    edition: str
    previous: str | None
    changes: int
    rendered: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    full: bool = False  # a whole build was made instead of a patch
    folded: bool = False  # the patch grew past the limit and became a full manifest
    steps: dict[str, float] = field(default_factory=dict)  # seconds: plan, render, write

    def summary(self) -> str:
        if self.full:
            return (f"Edition {self.edition}: a whole build ({self.changes} changes, "
                    f"{self.seconds:.1f} s)")
        kind = "full manifest" if self.folded else "patch"
        steps = ", ".join(f"{name} {value * 1000:.0f}" for name, value in self.steps.items())
        return (f"Edition {self.edition} ({kind}): {self.changes} changes, "
                f"{len(self.rendered)} paths rendered, {len(self.removed)} removed, "
                f"{self.seconds * 1000:.0f} ms" + (f" ({steps} ms)" if steps else ""))


@dataclass
class _Queue:
    last_id: int | None
    articles: set[int]
    threads: set[int]
    full: bool
    due: set[int]
    now: datetime

    @property
    def count(self) -> int:
        return len(self.articles | self.threads | self.due) + int(self.full)


def pending(now: datetime, due_checked: datetime | None) -> _Queue:
    rows = list(PendingChange.objects.order_by("id").values_list("id", "kind", "object_id"))
    due: set[int] = set()
    if due_checked is not None:
        # Scheduled articles whose time came: nothing saved them, the clock did.
        due = set(Article.objects.filter(
            status=Article.Status.PUBLISHED, published_at__gt=due_checked, published_at__lte=now,
        ).values_list("pk", flat=True))
    kinds: dict[str, set[int]] = {kind: set() for kind in PendingChange.Kind.values}
    for _id, kind, object_id in rows:
        kinds.setdefault(kind, set()).add(object_id)
    return _Queue(last_id=rows[-1][0] if rows else None,
                  articles=kinds[PendingChange.Kind.ARTICLE] | due,
                  threads=kinds[PendingChange.Kind.THREAD],
                  full=bool(kinds[PendingChange.Kind.FULL]), due=due, now=now)


def publish(home: Path | None = None, *, defer: bool = False,
            console: Console | None = None) -> PublishReport | None:
    """Publish what is queued; None when nothing is. A whole build when needed.

    `defer`: pages first, and the sitemap's entries in a later call that finds
    nothing else queued (what the watch loop does: a reader waits for pages, a
    crawler does not mind a few seconds, and a big sitemap costs more to render
    than all the pages one change touches)."""
    home = Path(home or settings.ALTAVOZ_HOME)
    started = time.perf_counter()
    try:
        with store.locked(home):
            report = _Publisher(home, defer).run()
    except NeedsFullBuild as exc:
        if console is not None:
            console.print(f"building the whole edition: {exc}")
        built = full_build.build(home, console=console)
        report = PublishReport(edition=built.edition, previous=built.previous, changes=0,
                               full=True)
    if report is not None:
        report.seconds = time.perf_counter() - started
    return report


class _Publisher:
    def __init__(self, home: Path, defer: bool = False) -> None:
        self.home = home
        self.defer = defer
        self.base_url = BaseUrl.parse(settings.ALTAVOZ_BASE_URL)
        self.short = f"public, max-age={settings.ALTAVOZ_EDITION_HTML_MAX_AGE}"
        self.key = signing.load_signing_key(home)  # read once: the site's settings and signing

    def run(self) -> PublishReport | None:
        with deps.opened(self.home) as shown:
            current = self._live(shown)
            checked = shown.meta("due_checked")
            queue = pending(timezone.now(), datetime.fromisoformat(checked) if checked else None)
            if queue.full:
                raise NeedsFullBuild("a change that every page may show")
            if shown.meta("site") != json.dumps(self._site().to_json(), sort_keys=True):
                raise NeedsFullBuild("the site's settings changed (name, address, onion)")
            waiting = set(json.loads(shown.meta(SITEMAP_PENDING) or "[]"))
            if self.defer:  # the watch loop's background job does the sitemap
                if not queue.articles and not queue.threads:
                    return None
                sitemap, waiting = set(), waiting | queue.articles
            else:
                if not queue.articles and not queue.threads and not waiting:
                    return None
                sitemap, waiting = waiting | queue.articles, set()
            clock = time.perf_counter()
            work = plan.plan(shown, queue.articles, queue.threads, queue.now, sitemap)
            work.meta[SITEMAP_PENDING] = json.dumps(sorted(waiting))
            planned = time.perf_counter()
            entries = self.render(sorted(work.render))
            rendered = time.perf_counter()
            edition, folded = self._write(shown, current, entries, work.remove)
            steps = {"plan": planned - clock, "render": rendered - planned,
                     "write": time.perf_counter() - rendered}
            with shown.db:
                for key, ids in work.listings.items():
                    shown.set_listing(key, ids)
                for pk, row in work.articles.items():
                    shown.set_article(pk, *(row or (None, None)))
                for name, value in work.meta.items():
                    shown.set_meta(name, value)
                shown.set_meta("edition", edition)
                shown.set_meta(SWITCHING, "1")
                shown.set_meta("due_checked", queue.now.isoformat())
                if folded:
                    shown.set_meta("base", edition)
                if queue.articles:  # the search index no longer matches
                    shown.set_meta(GENERATION, str(int(shown.meta(GENERATION) or 0) + 1))
            _go_live(self.home, shown, edition)
        if queue.last_id is not None:
            PendingChange.objects.filter(id__lte=queue.last_id).delete()
        return PublishReport(edition=edition, previous=current, changes=queue.count,
                             rendered=sorted(entries), removed=sorted(work.remove),
                             folded=folded, steps=steps)

    def _site(self) -> Site:
        return full_build.site_of(self.base_url, signing.public_key_hex(self.key))

    def _live(self, shown: Deps) -> str:
        """The live edition, which deps must describe."""
        current = store.current_id(self.home)
        recorded = shown.meta("edition")
        if recorded is None or current is None:
            raise NeedsFullBuild("no edition to patch yet")
        if recorded != current:
            # A publish that crashed between deps and `current` wrote an edition on
            # top of the live one: finish it. Anything else (an operator who put an
            # older edition back) is not ours to undo: build whole from the database.
            try:
                written_on = scan_previous(store.read_manifest_bytes(self.home, recorded))
            except (store.StoreError, OSError):
                written_on = None
            if shown.meta(SWITCHING) != "1" or written_on != current:
                raise NeedsFullBuild(f"the live edition {current[:12]} is not the one the "
                                     f"publisher last wrote ({recorded[:12]})")
            _go_live(self.home, shown, recorded)
        return recorded

    def render(self, targets: list[str]) -> dict[str, PathEntry]:
        blobs = store.BlobStore(self.home)
        entries: dict[str, PathEntry] = {}
        renderer = Renderer(self.base_url)
        with renderer.session(), ThreadPoolExecutor(2, "publish") as pool:
            futures = []
            for target in targets:
                page = renderer.render(target)
                futures.append((page, pool.submit(full_build.store_page, blobs, {}, page)))
            for page, future in futures:
                blob, size, gz, br = future.result()
                entries[page.path] = PathEntry(
                    blob=blob, size=size, type=page.content_type, cache=self._cache(page),
                    lang=page.lang, gzip=gz, br=br, headers=page.headers)
        blobs.sync()
        return entries

    def _cache(self, page: Rendered) -> str:
        if page.path.startswith(settings.MEDIA_URL) and settings.MEDIA_URL.startswith("/"):
            return full_build.IMMUTABLE
        return self.short

    def _write(self, shown: Deps, current: str, entries: dict[str, PathEntry],
               removed: set[str], index: Variant | None = None) -> tuple[str, bool]:
        base = shown.meta("base") or current
        changed: dict[str, PathEntry] = {}
        gone: set[str] = set()
        if base != current:  # carry the live patch's changes forward (never parse a full one)
            _data, manifest = store.read_manifest(self.home, current)
            changed = {path: PathEntry.from_json(entry)
                       for path, entry in (manifest.get("paths") or {}).items()}
            gone = set(manifest.get("removed") or ())
        for path in removed:
            changed.pop(path, None)
        gone = (gone | removed) - set(entries)
        changed.update(entries)
        site = self._site()
        if index is None:
            index = Variant.from_json(json.loads(shown.meta("search_index") or "{}"))
        patch = Manifest(
            site=site, paths=dict(sorted(changed.items())), search_index=index,
            redirects=full_build.redirects(), previous=current, base=base, removed=sorted(gone),
        )
        folded = len(changed) + len(gone) > settings.ALTAVOZ_EDITIONS_PATCH_LIMIT
        encoded = _fold(self.home, patch) if folded else patch.encode()
        return store.write_edition(self.home, encoded, signing.sign(encoded, self.key)), folded

    def switch_index(self, built: Path, generation: str) -> str:
        """Make the freshly built search index file live, as a patch changing
        nothing else. `generation`: the publish count it covers."""
        with deps.opened(self.home) as shown:
            current = self._live(shown)
            blobs = store.BlobStore(self.home)
            size = built.stat().st_size
            index = Variant(blobs.put_file(built), size)
            blobs.sync()
            edition, folded = self._write(shown, current, {}, set(), index)
            with shown.db:
                shown.set_meta("edition", edition)
                shown.set_meta(SWITCHING, "1")
                shown.set_meta("search_index", json.dumps(index.to_json()))
                shown.set_meta(INDEXED, generation)
                if folded:
                    shown.set_meta("base", edition)
            _go_live(self.home, shown, edition)
        return edition


def _fold(home: Path, patch: Manifest) -> bytes:
    """The patch as a full manifest (format 1), made from its base's entries."""
    assert patch.base is not None
    _data, base = store.read_manifest(home, patch.base)
    full: dict[str, Any] = resolve(base, patch.to_json())
    return canonical(full)


def _go_live(home: Path, shown: Deps, edition: str) -> None:
    """Move `current`, then note that the switch is done: an edition deps names
    but `current` does not is then either a crashed switch (to finish) or an
    operator's step back (to respect), never a guess."""
    store.set_current(home, edition)
    with shown.db:
        shown.set_meta(SWITCHING, "0")


def build_index(home: Path) -> tuple[Path, str] | None:
    """When the edition's search index is behind the published articles, build
    a new index file, without holding the store (seconds at 100,000 articles,
    while publishing goes on): (the file, the generation it covers)."""
    with deps.opened(home) as shown:
        generation = shown.meta(GENERATION) or "0"
        if generation == (shown.meta(INDEXED) or "0"):
            return None
    directory = store.root(home) / INDEX_BUILDS
    directory.mkdir(exist_ok=True)
    target = directory / f"search-{generation}-{time.time_ns()}.sqlite3"
    full_build.index_file(target)
    return target, generation


@dataclass
class _SitemapJob:
    base: str  # the full edition the job was planned on: a whole build since voids it
    articles: set[int]
    work: plan.Plan
    entries: dict[str, PathEntry]


def build_sitemap(home: Path) -> _SitemapJob | None:
    """Render the sitemap paths the articles changed since the last time touch,
    without holding the store (a part of 50,000 addresses takes seconds). The
    articles move from "pending" to "in flight", so a change made meanwhile is
    pending again, never lost."""
    with deps.opened(home) as shown, shown.db:
        articles = set(json.loads(shown.meta(SITEMAP_PENDING) or "[]"))
        articles |= set(json.loads(shown.meta(SITEMAP_INFLIGHT) or "[]"))
        base = shown.meta("base")
        if not articles or base is None:
            return None
        shown.set_meta(SITEMAP_PENDING, "[]")
        shown.set_meta(SITEMAP_INFLIGHT, json.dumps(sorted(articles)))
    try:
        with deps.opened(home) as shown:
            work = plan.sitemap(shown, articles)
        entries = _Publisher(home).render(sorted(work.render))
    except BaseException:
        _requeue_sitemap(home)
        raise
    return _SitemapJob(base, articles, work, entries)


def switch_sitemap(home: Path, job: _SitemapJob) -> str | None:
    """Make a rendered sitemap job live, as a patch; None if a whole build came
    in between (it rendered a newer sitemap itself)."""
    with store.locked(home), deps.opened(home) as shown:
        if shown.meta("base") != job.base:
            return None
        publisher = _Publisher(home)
        current = publisher._live(shown)
        edition, folded = publisher._write(shown, current, job.entries, job.work.remove)
        with shown.db:
            for key, ids in job.work.listings.items():
                shown.set_listing(key, ids)
            for name, value in job.work.meta.items():
                shown.set_meta(name, value)
            shown.set_meta(SITEMAP_INFLIGHT, "[]")
            shown.set_meta("edition", edition)
            shown.set_meta(SWITCHING, "1")
            if folded:
                shown.set_meta("base", edition)
        _go_live(home, shown, edition)
    return edition


def _requeue_sitemap(home: Path) -> None:
    with deps.opened(home) as shown, shown.db:
        waiting = set(json.loads(shown.meta(SITEMAP_PENDING) or "[]"))
        waiting |= set(json.loads(shown.meta(SITEMAP_INFLIGHT) or "[]"))
        shown.set_meta(SITEMAP_PENDING, json.dumps(sorted(waiting)))
        shown.set_meta(SITEMAP_INFLIGHT, "[]")


def refresh_sitemap(home: Path | None = None) -> str | None:
    """Bring the sitemap up to date now, if changes wait for it."""
    home = Path(home or settings.ALTAVOZ_HOME)
    job = build_sitemap(home)
    return switch_sitemap(home, job) if job is not None else None


def refresh_index(home: Path | None = None) -> str | None:
    """Build and publish a new search index if it is behind; the new edition's id."""
    home = Path(home or settings.ALTAVOZ_HOME)
    built = build_index(home)
    if built is None:
        return None
    return switch_index(home, *built)


def switch_index(home: Path, built: Path, generation: str) -> str:
    try:
        with store.locked(home):
            return _Publisher(home).switch_index(built, generation)
    finally:
        built.unlink(missing_ok=True)


def watch(home: Path | None = None, *, interval: float | None = None,
          stop: Callable[[], bool] = lambda: False) -> None:
    """Publish whenever something is queued, until `stop()`: what `altavoz serve`
    runs beside the origin. A failing publish is logged (once per message) and
    retried after a pause that grows to a minute; the queue keeps the changes."""
    home = Path(home or settings.ALTAVOZ_HOME)
    interval = interval if interval is not None else settings.ALTAVOZ_PUBLISH_INTERVAL
    pause, last_error = interval, ""
    job: Future | None = None
    indexed_at = time.monotonic()
    background = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                     initializer=background_work.setup)
    with background as pool:
        while not stop():
            try:
                report = publish(home, defer=True)
                if job is not None and job.done():
                    finished, job = job.result(), None
                    if finished is not None:
                        kind, result = finished
                        if kind == "index":
                            indexed_at = time.monotonic()
                            edition = switch_index(home, *result)
                        else:
                            edition = switch_sitemap(home, result)
                        if edition:
                            log.info("%s published in edition %s", kind, edition[:12])
                elif job is None and report is None:
                    due = time.monotonic() - indexed_at >= settings.ALTAVOZ_EDITIONS_INDEX_INTERVAL
                    job = pool.submit(background_work.job, home, due)
            except store.StoreBusy:
                report = None  # a build holds the store; it covers what is queued
            except Exception as exc:  # noqa: BLE001 - the loop must outlive any one failure
                message = f"{type(exc).__name__}: {exc}"
                if message != last_error:
                    log.exception("publishing failed; the changes stay queued")
                last_error, pause = message, min(max(pause * 2, 1.0), 60.0)
            else:
                last_error, pause = "", interval
                if report is not None:
                    log.info("%s", report.summary())
            finally:
                close_old_connections()  # a database restart must not stop publishing
            time.sleep(pause)


