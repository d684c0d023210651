"""Finding, checking and loading the live edition, and switching to a new one.

The edge believes an edition only when its manifest is signed by the site key
(keys/signing.pub) and every blob hashes to its name. A refused edition is
logged and the one being served stays: a tampered store cannot take the site
down, only fail to update it.

The `current` pointer is polled with one stat() a second (inode, mtime, size:
the builder replaces it by rename). Loading runs on a worker thread, so the
event loop keeps serving the old edition meanwhile; the switch itself is one
reference assignment, and responses already being written keep the bytes they
hold.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

from altavoz.editions import signing, store
from altavoz.editions.manifest import is_patch
from altavoz.home import VERIFY_KEY_FILE, keys_dir
from altavoz.shield import search
from altavoz.shield.edition import Edition, EditionError, build

log = logging.getLogger("altavoz.shield")


class EditionRefused(Exception):
    """The edition on disk cannot be believed or served; the message says why."""


class Loader:
    def __init__(self, home: Path) -> None:
        self.home = home
        self._blobs = str(store.root(home) / store.BLOBS)
        self.edition: Edition | None = None
        self._seen: tuple[int, int, int] | None = None
        self._refused: dict[str, tuple[int, int]] = {}  # id → signature file stat
        self.switches = 0
        self.refusals = 0
        # Called on the event loop after each switch (the replay cache forgets the old one).
        self.on_switch: list[Callable[[Edition], None]] = []

    # --- on a worker thread -----------------------------------------------------

    def _blob(self, sha: str, size: int) -> bytes:
        # store.blob_path's layout, as a plain string: pathlib interns every part of
        # every path it makes, and the interning table never shrinks (about 80 bytes
        # per blob for the life of the process).
        path = os.path.join(self._blobs, sha[:2], sha)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except (OSError, ValueError) as exc:
            raise EditionRefused(f"blob {sha} is missing") from exc
        if len(data) != size or hashlib.sha256(data).hexdigest() != sha:
            raise EditionRefused(f"blob {sha} does not match the manifest (tampered or damaged)")
        return data

    def load(self, edition_id: str) -> Edition:
        """Verify and build one edition (does not switch to it). A patch is
        applied to its full base: the one being served's, or loaded (and
        verified) from the store first."""
        manifest = self._verified(edition_id)
        base = None
        if is_patch(manifest):
            base_id = manifest.get("base")
            current = self.edition.full if self.edition else None
            if current is not None and current.id == base_id:
                base = current
            elif isinstance(base_id, str):
                base = self.load(base_id)
                if base.base is not None:
                    raise EditionRefused(f"edition {edition_id[:12]} is a patch on a patch")
        try:
            edition = build(edition_id, manifest, self._blob, previous=self.edition, base=base)
        except EditionError as exc:
            raise EditionRefused(f"edition {edition_id[:12]}: {exc}") from exc
        # Its search index, loaded once per blob (a patch usually keeps its base's).
        edition.search = search.attach(edition, manifest, self._blob, self.edition or base)
        return edition

    def _verified(self, edition_id: str) -> dict:
        try:
            manifest_bytes, manifest = store.read_manifest(self.home, edition_id)
            signature = store.read_signature(self.home, edition_id)
            public_key = (keys_dir(self.home) / VERIFY_KEY_FILE).read_text().strip()
        except (OSError, ValueError, store.StoreError) as exc:
            raise EditionRefused(f"edition {edition_id[:12]} cannot be read: {exc}") from exc
        if not signing.verify(manifest_bytes, signature, public_key):
            raise EditionRefused(f"edition {edition_id[:12]} is not signed by the site key")
        return manifest

    def _pointer(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(store.root(self.home) / store.CURRENT)
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

    def _signature_stat(self, edition_id: str) -> tuple[int, int]:
        try:
            st = os.stat(store.signature_path(self.home, edition_id))
        except OSError:
            return (0, 0)
        return st.st_mtime_ns, st.st_size

    def check(self) -> Edition | None:
        """A new, verified edition if `current` now names one; else None."""
        pointer = self._pointer()
        if pointer is None or (pointer == self._seen and not self._refused):
            return None
        self._seen = pointer
        try:
            edition_id = store.current_id(self.home)
        except (OSError, store.StoreError) as exc:
            log.warning("edition pointer unreadable: %s", exc)
            return None
        if edition_id is None or (self.edition and edition_id == self.edition.id):
            return None
        signature = self._signature_stat(edition_id)
        if self._refused.get(edition_id) == signature:
            return None  # refused already, and its signature has not changed since
        try:
            edition = self.load(edition_id)
        except EditionRefused as exc:
            self._refused = {edition_id: signature}
            self.refusals += 1
            kept = self.edition.id[:12] if self.edition else "none"
            log.error("edition refused, still serving %s: %s", kept, exc)
            return None
        self._refused = {}
        return edition

    # --- on the event loop ----------------------------------------------------------

    def switch(self, edition: Edition) -> None:
        old = self.edition
        self.edition = edition  # the whole switch: readers pick it up on their next request
        self.switches += 1
        # An edition is hundreds of thousands of long-lived objects: keep them out of
        # the cyclic collector's full scans, which would otherwise pause serving for
        # tens of milliseconds now and then. They hold no cycles, so reference counting
        # still frees an old edition once its last response is written.
        gc.freeze()
        for listener in self.on_switch:
            listener(edition)
        log.info("serving edition %s (%d paths)%s", edition.id[:12], edition.count,
                 f", was {old.id[:12]}" if old else "")

    async def refresh(self) -> bool:
        loop = asyncio.get_running_loop()
        edition = await loop.run_in_executor(None, self.check)
        if edition is not None:
            self.switch(edition)
            return True
        return False

    async def watch(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self.refresh()
            except Exception:  # never let a bad disk stop the watcher
                log.exception("edition check failed")
