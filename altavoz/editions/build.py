"""`altavoz build`: render the whole public site into a new edition, sign it,
make it live, and collect old editions.

The main thread renders (Django is single-threaded here); worker threads hash,
compress and write, since hashlib, zlib and brotli release the GIL: on two
cores, brotli 11 runs beside the rendering instead of after it. An identity
blob the previous edition already had keeps its variants without being
compressed again, so rebuilding an unchanged site only renders.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import sqlite3
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from altavoz.editions import compress, deps, listings, paths, plan, signing, store
from altavoz.editions.manifest import (
    Manifest,
    PathEntry,
    Site,
    Variant,
    scan_base,
    variants_by_blob,
)
from altavoz.editions.render import BaseUrl, Rendered, Renderer, RenderError
from altavoz.newsroom.models import Article
from altavoz.newsroom.views.listing import known_ids
from altavoz.search import documents, fts5

IMMUTABLE = "public, max-age=31536000, immutable"
DISK_FULL = "disk full while writing the edition; the previous edition stays live"
# Rendered pages waiting for a worker, per worker: enough to keep them busy,
# few enough that memory stays flat at any site size.
_QUEUE_PER_WORKER = 8


class BuildError(Exception):
    """The build stopped; the previous edition stays live. The message says why."""


class DiskFull(BuildError):
    pass


@dataclass
class BuildReport:
    edition: str
    previous: str | None
    pages: int
    blobs_new: int
    blobs_reused: int
    bytes_written: int
    seconds: float
    gc: store.GcReport | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        lines = [
            f"Edition {self.edition}",
            f"  {self.pages:,} paths in {self.seconds:.1f} s "
            f"({self.pages_per_second:,.0f} pages/s)",
            f"  blobs: {self.blobs_new:,} new, {self.blobs_reused:,} reused; "
            f"{self.bytes_written / 1e6:,.1f} MB written",
            f"  previous: {self.previous or 'none'}",
        ]
        if self.gc is not None:
            lines.append(f"  collected: {self.gc.editions_removed} old editions, "
                         f"{self.gc.blobs_removed:,} blobs ({self.gc.bytes_freed / 1e6:,.1f} MB); "
                         f"kept {len(self.gc.kept)}")
        return "\n".join(lines + [f"  warning: {w}" for w in self.warnings])


class _Rate(ProgressColumn):
    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0
        rate = task.completed / elapsed if elapsed > 0 else 0.0
        return Text(f"{rate:,.0f} pages/s", style="progress.data.speed")


def build(home: Path | None = None, *, console: Console | None = None,
          workers: int | None = None, collect_static: bool = True) -> BuildReport:
    """Build, sign and publish a new edition of the whole site; then GC."""
    home = Path(home or settings.ALTAVOZ_HOME)
    base = BaseUrl.parse(settings.ALTAVOZ_BASE_URL)
    key = signing.load_signing_key(home)
    console = console or Console(stderr=True, quiet=True)
    started = time.perf_counter()
    with store.locked(home):
        store.remove_temporary(home)  # what a killed build left behind
        previous = store.current_id(home)
        blobs = store.BlobStore(home)
        written: str | None = None
        try:
            if collect_static:  # the edition serves /static/: it must be today's files
                from django.core.management import call_command

                call_command("collectstatic", interactive=False, verbosity=0)
            # What this edition shows, read before rendering: a change made during
            # the build is then a difference the publisher finds afterwards.
            shown = _Shown()
            builder = _Builder(home, base, blobs, _known_variants(home, previous), console,
                               workers or os.cpu_count() or 1)
            with known_ids(shown.by_address()):
                manifest = builder.run(previous, signing.public_key_hex(key), shown.own)
            blobs.sync()
            data = manifest.encode()
            written = store.write_edition(home, data, signing.sign(data, key))
            shown.save(home, written, manifest)
            store.set_current(home, written)
            shown.switched(home)
            shown.clear_queue()
        except BaseException as exc:
            _undo(home, blobs, written)
            if _is_disk_full(exc):
                raise DiskFull(DISK_FULL) from exc
            raise
        report = BuildReport(
            edition=written, previous=previous, pages=len(manifest.paths),
            blobs_new=len(blobs.created), blobs_reused=blobs.reused,
            bytes_written=blobs.bytes_written, seconds=0.0,
        )
        try:
            report.gc = store.gc(home, settings.ALTAVOZ_EDITIONS_KEEP)
        except (OSError, store.StoreError) as exc:
            # The edition is live; a failed sweep only leaves disk to reclaim next time.
            report.warnings.append(f"garbage collection failed: {exc}")
    report.seconds = time.perf_counter() - started
    return report


def _undo(home: Path, blobs: store.BlobStore, written: str | None) -> None:
    """Take back what a failed build wrote, unless its edition went live after all."""
    if written is not None and store.current_id(home) == written:
        return
    try:
        if written is not None:
            store.manifest_path(home, written).unlink(missing_ok=True)
            store.signature_path(home, written).unlink(missing_ok=True)
        blobs.discard_created()  # none of them is in a manifest that stays
        store.remove_temporary(home)
    except OSError:
        pass  # the next build's remove_temporary and GC finish the job


def _is_disk_full(exc: BaseException | None) -> bool:
    """ENOSPC anywhere in the chain: a blob write, SQLite's "database or disk is
    full" while building the search index, Django's error around either."""
    for _depth in range(20):
        if exc is None:
            return False
        if isinstance(exc, OSError) and exc.errno in {errno.ENOSPC, errno.EDQUOT}:
            return True
        if isinstance(exc, sqlite3.OperationalError) and "full" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _known_variants(home: Path, previous: str | None) -> dict:
    if previous is None:
        return {}
    try:
        data = store.read_manifest_bytes(home, previous)
        base = scan_base(data)
        known = variants_by_blob(store.read_manifest_bytes(home, base)) if base else {}
        return known | variants_by_blob(data)
    except (store.StoreError, OSError):
        return {}  # a damaged previous manifest only costs compression time


def store_page(blobs: store.BlobStore, known: dict, page: Rendered
               ) -> tuple[str, int, Variant | None, Variant | None]:
    """On a worker thread: the identity blob, then its smaller encodings, unless
    `known` (identity blob → variants) already has them."""
    body = page.body
    sha = blobs.put(body, hashlib.sha256(body).hexdigest())
    found = known.get(sha)
    if found is not None and all(v is None or blobs.has(v.blob, v.size) for v in found):
        blobs.count_reused(sum(v is not None for v in found))
        return sha, len(body), found[0], found[1]
    gz, br = compress.variants(body, page.content_type)
    made = tuple(None if v is None else Variant(blobs.put(v), len(v)) for v in (gz, br))
    known[sha] = made  # the same bytes at another path (a dict set is atomic)
    return sha, len(body), made[0], made[1]


def site_of(base: BaseUrl, public_key: str) -> Site:
    return Site(
        name=settings.ALTAVOZ_SITE_NAME, base_url=base.url, languages=paths.languages(),
        default_language=settings.LANGUAGE_CODE, public_key=public_key,
        onion=settings.ALTAVOZ_ONION_ADDRESS or None,
    )


def redirects() -> dict[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        return {"/": reverse("newsroom:front")}


class _Shown:
    """What a full build's edition shows (deps.py), and the queued changes it covers."""

    def __init__(self) -> None:
        from altavoz.editions.models import PendingChange

        self.started = timezone.now()
        self.queue = PendingChange.objects.order_by("-id").values_list("id", flat=True).first()
        self.lists, self.facts = listings.everything(self.started)
        self.lists[plan.SITEMAP_KEY] = list(
            Article.objects.listed().order_by("pk").values_list("pk", flat=True))
        self.own = paths.own_paths(None)

    def by_address(self) -> dict[str, list[int]]:
        """Each listing's ids by its addresses, for newsroom.views.listing.known_ids."""
        found: dict[str, list[int]] = {}
        for key, ids in self.lists.items():
            listing = listings.get(key, existing_only=False)
            if listing is not None and not listing.single:
                found.update(dict.fromkeys(listing.bases, ids))
        return found

    def save(self, home: Path, edition: str, manifest: Manifest) -> None:
        with deps.opened(home) as shown, shown.db:
            shown.replace_all(self.lists, (
                (pk, listings.keys_of(fact), self.own[pk]) for pk, fact in self.facts.items()
                if pk in self.own))
            shown.set_meta("edition", edition)
            shown.set_meta("switching", "1")  # until `current` names it (publish._go_live)
            shown.set_meta("base", edition)
            shown.set_meta("due_checked", self.started.isoformat())
            shown.set_meta("search_index", json.dumps(manifest.search_index.to_json()))
            shown.set_meta("site", json.dumps(manifest.site.to_json(), sort_keys=True))
            shown.set_meta("sitemap_pending", "[]")
            shown.set_meta("generation", "0")  # the index just built covers everything
            shown.set_meta("indexed", "0")
            shown.set_meta(plan.SITEMAP_PARTS, json.dumps(
                [path for path in manifest.paths if path.startswith("/sitemap-")]))

    def switched(self, home: Path) -> None:
        with deps.opened(home) as shown, shown.db:
            shown.set_meta("switching", "0")

    def clear_queue(self) -> None:
        from altavoz.editions.models import PendingChange

        if self.queue is not None:
            PendingChange.objects.filter(id__lte=self.queue).delete()


class _Builder:
    def __init__(self, home: Path, base: BaseUrl, blobs: store.BlobStore, known: dict,
                 console: Console, workers: int) -> None:
        self.home = home
        self.base = base
        self.blobs = blobs
        self.known = known
        self.console = console
        self.workers = max(workers, 1)
        self.short = f"public, max-age={settings.ALTAVOZ_EDITION_HTML_MAX_AGE}"
        self.entries: dict[str, PathEntry] = {}
        self.pending: deque[tuple[str, Rendered, str, Future]] = deque()
        self.seen: set[str] = set()
        self.headers: dict[tuple, dict[str, str]] = {}
        self.progress = Progress(
            TextColumn("[progress.description]{task.description}"), BarColumn(),
            MofNCompleteColumn(), _Rate(), TimeElapsedColumn(), console=console,
        )
        self.task = self.progress.add_task("rendering", total=None)

    def run(self, previous: str | None, public_key: str,
            own: dict[int, list[str]] | None = None) -> Manifest:
        pages = paths.page_paths(own)
        media = paths.media_paths()
        static = paths.static_files()
        self.progress.update(self.task, total=len(pages) + len(media) + len(static) + 1)
        with self.progress, ThreadPoolExecutor(self.workers, "edition") as pool:
            try:
                self._render(pool, pages, media)
                for item in static:
                    self._submit(pool, Rendered(
                        path=item.path, body=item.file.read_bytes(),
                        content_type=item.content_type, lang=None,
                        headers={"X-Content-Type-Options": "nosniff"},
                    ), IMMUTABLE if item.immutable else self.short)
                self._submit(pool, Rendered(
                    path=paths.PUBLIC_KEY, body=(public_key + "\n").encode(),
                    content_type="text/plain; charset=utf-8", lang=None,
                    headers={"X-Content-Type-Options": "nosniff"},
                ), self.short)
                while self.pending:
                    self._finish()
            except BaseException:
                # Stop at once: queued pages would only write blobs to take back.
                pool.shutdown(wait=True, cancel_futures=True)
                raise
            self.progress.update(self.task, description="search index")
            index = self._search_index()
            self.progress.update(self.task, description="done")
        return Manifest(
            site=site_of(self.base, public_key), paths=dict(sorted(self.entries.items())),
            search_index=index, redirects=redirects(), previous=previous,
        )

    def _render(self, pool: ThreadPoolExecutor, pages: list[str], media: list[str]) -> None:
        renderer = Renderer(self.base)
        with renderer.session():
            queue = deque(pages)
            while queue:
                page = renderer.render(queue.popleft())
                if page.path == paths.SITEMAP:
                    parts = self._sitemap_parts(page.body)
                    queue.extendleft(reversed(parts))
                    self.progress.update(self.task, total=self.progress.tasks[0].total + len(parts))
                self._submit(pool, page, self.short)
            for path in media:
                self._submit(pool, renderer.render(path), IMMUTABLE)

    def _submit(self, pool: ThreadPoolExecutor, page: Rendered, cache: str) -> None:
        if page.path in self.seen:
            return  # listed twice (by two enumerations): once is enough
        self.seen.add(page.path)
        self.pending.append((page.path, page, cache, pool.submit(self._store, page)))
        while len(self.pending) > self.workers * _QUEUE_PER_WORKER:
            self._finish()

    def _finish(self) -> None:
        path, page, cache, future = self.pending.popleft()
        blob, size, gz, br = future.result()  # re-raises a worker's error (a full disk)
        # Most pages carry the same few headers: one shared dict each keeps a
        # 300,000-path build's memory down (entries are never changed).
        headers = self.headers.setdefault(tuple(page.headers.items()), page.headers)
        self.entries[path] = PathEntry(
            blob=blob, size=size, type=page.content_type, cache=cache, lang=page.lang,
            gzip=gz, br=br, headers=headers,
        )
        self.progress.advance(self.task)

    def _store(self, page: Rendered) -> tuple[str, int, Variant | None, Variant | None]:
        return store_page(self.blobs, self.known, page)

    def _sitemap_parts(self, body: bytes) -> list[str]:
        """An index's parts, as paths: they must be in the edition too."""
        root = ElementTree.fromstring(body)
        if not root.tag.endswith("sitemapindex"):
            return []
        prefix = self.base.url + "/"
        parts = []
        for loc in root.iter():
            if loc.tag.endswith("}loc") and loc.text:
                if not loc.text.startswith(prefix):
                    raise RenderError(f"{paths.SITEMAP} names {loc.text}, not under {prefix}")
                parts.append(loc.text[len(prefix) - 1:])
        return parts

    def _search_index(self) -> Variant:
        temp = self.blobs.temp_path()
        try:
            index_file(temp)
            size = temp.stat().st_size
            return Variant(self.blobs.put_file(temp), size)
        finally:
            temp.unlink(missing_ok=True)


def index_file(target: Path) -> int:
    """The edge's search index: due, published articles only. A scheduled
    article's words must not be readable in a public file before it is out.
    With what a results page shows of each (fts5's search_result), the edge
    answers searches from it alone (altavoz/shield/search.py)."""
    now = timezone.now()
    return fts5.build_file(target, (d for d in documents.iter_all(shown=True)
                                    if d.published_at <= now))
