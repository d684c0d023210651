"""The edition store under $ALTAVOZ_HOME/editions (docs/EDITIONS.md):
content-addressed blobs, manifests with their signatures, the `current` pointer,
and garbage collection.

Every file is written to a temporary name in its final directory, fsynced, then
renamed, and its directory fsynced: after a crash a name either holds its whole
content or does not exist. `current` changes last, so it always names a complete
edition. Readers (export, verify, the edge) use current_id, read_manifest,
read_signature and blob_path, and never write.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from altavoz.editions.manifest import (
    ManifestError,
    check_format,
    edition_id,
    is_patch,
    resolve,
    scan_base,
    scan_blobs,
    scan_previous,
)

EDITIONS = "editions"
BLOBS = "blobs"
MANIFESTS = "manifests"
CURRENT = "current"
LOCK = ".lock"
TEMP_PREFIX = ".tmp-"
_SHA256 = re.compile(r"^[0-9a-f]{64}\Z")


class StoreError(Exception):
    """The store is damaged or in use; the message says what to do."""


class StoreBusy(StoreError):
    pass


def root(home: Path) -> Path:
    return home / EDITIONS


def blob_path(home: Path, sha: str) -> Path:
    return root(home) / BLOBS / sha[:2] / sha


def manifest_path(home: Path, edition: str) -> Path:
    return root(home) / MANIFESTS / f"{edition}.json"


def signature_path(home: Path, edition: str) -> Path:
    return root(home) / MANIFESTS / f"{edition}.sig"


def current_id(home: Path) -> str | None:
    """The live edition's id, or None before the first build."""
    try:
        value = (root(home) / CURRENT).read_text().strip()
    except FileNotFoundError:
        return None
    if not _SHA256.match(value):
        raise StoreError(f"{root(home) / CURRENT} does not hold an edition id")
    return value


def read_manifest(home: Path, edition: str) -> tuple[bytes, dict[str, Any]]:
    """(the exact signed bytes, parsed). A file whose hash is not its name is
    refused: it is not the edition it claims to be."""
    data = read_manifest_bytes(home, edition)
    return data, json.loads(data)


def read_manifest_bytes(home: Path, edition: str) -> bytes:
    """The exact signed bytes, checked against the id, not parsed."""
    if not _SHA256.match(edition):
        raise StoreError(f"{edition!r} is not an edition id")
    try:
        data = manifest_path(home, edition).read_bytes()
    except FileNotFoundError as exc:
        raise StoreError(f"edition {edition} has no manifest in {root(home)}") from exc
    if edition_id(data) != edition:
        raise StoreError(f"the manifest of edition {edition} is damaged (its hash differs)")
    return data


def read_resolved(home: Path, edition: str) -> tuple[bytes, dict[str, Any]]:
    """(the edition's own signed bytes, its full content): a patch comes back
    merged onto its base, so callers see every path either way."""
    data, manifest = read_manifest(home, edition)
    try:
        check_format(manifest)
        if is_patch(manifest):
            _base_bytes, base = read_manifest(home, manifest["base"])
            manifest = resolve(base, manifest)
    except ManifestError as exc:
        raise StoreError(f"edition {edition}: {exc}") from exc
    return data, manifest


def base_id(home: Path, edition: str) -> str | None:
    """The full edition a patch edition is written against; None for a full one."""
    return scan_base(read_manifest_bytes(home, edition))


def read_signature(home: Path, edition: str) -> str:
    return signature_path(home, edition).read_text().strip()


# --- writing --------------------------------------------------------------------


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _temp_name(directory: Path) -> Path:
    return directory / f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(6)}"


def _write_file(path: Path, data: bytes, *, sync_dir: bool) -> None:
    """Write `data` at `path` through a fsynced temporary file and a rename.
    On any error (a full disk) the temporary file is removed and the error raised."""
    temp = _temp_name(path.parent)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    if sync_dir:
        _fsync_dir(path.parent)


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_file(path, data, sync_dir=True)


class BlobStore:
    """Writes blobs once each; safe to share between threads. Remembers what it
    created, so a failed build can take back its own blobs (none is referenced
    by any manifest yet) and free the disk it filled."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.created: set[str] = set()
        self.reused = 0
        self.bytes_written = 0
        self._dirs: set[Path] = set()
        self._lock = threading.Lock()
        (root(home) / BLOBS).mkdir(parents=True, exist_ok=True)

    def put(self, data: bytes, sha: str | None = None) -> str:
        sha = sha or hashlib.sha256(data).hexdigest()
        path = blob_path(self.home, sha)
        size = self._size(sha)
        if size == len(data):
            with self._lock:
                self.reused += 1
            return sha
        repair = size is not None  # a damaged blob some edition names: not ours to take back
        if not path.parent.is_dir():
            path.parent.mkdir(exist_ok=True)
            with self._lock:
                self._dirs.add(path.parent.parent)
        # Directories are fsynced once, in sync(): one per blob would double the cost.
        _write_file(path, data, sync_dir=False)
        with self._lock:
            if sha not in self.created and not repair:  # two threads, the same new bytes
                self.created.add(sha)
                self.bytes_written += len(data)
            self._dirs.add(path.parent)
        return sha

    def put_file(self, temp: Path) -> str:
        """Adopt a file written under temp_path(): hashed as it is read, then
        fsynced and renamed into place (a search index is too big to copy)."""
        digest = hashlib.sha256()
        with open(temp, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
            os.fsync(handle.fileno())
        sha = digest.hexdigest()
        size = temp.stat().st_size
        path = blob_path(self.home, sha)
        found = self._size(sha)
        if found == size:
            temp.unlink()
            with self._lock:
                self.reused += 1
            return sha
        path.parent.mkdir(exist_ok=True)
        os.replace(temp, path)
        with self._lock:
            if found is None:
                self.created.add(sha)
            self.bytes_written += size
            self._dirs.update({path.parent, path.parent.parent})
        return sha

    def count_reused(self, count: int) -> None:
        with self._lock:
            self.reused += count

    def temp_path(self) -> Path:
        """A temporary name in the store, removed by remove_temporary() if left."""
        return _temp_name(root(self.home) / BLOBS)

    def has(self, sha: str, size: int) -> bool:
        # The size check catches a blob cut short by a power loss before its
        # directory was synced (a kill -9 cannot do that: the kernel has the data).
        return self._size(sha) == size

    def _size(self, sha: str) -> int | None:
        try:
            return os.stat(blob_path(self.home, sha)).st_size
        except FileNotFoundError:
            return None

    def sync(self) -> None:
        """Make every rename durable before a manifest names the blobs."""
        with self._lock:
            dirs, self._dirs = sorted(self._dirs), set()
        for directory in dirs:
            _fsync_dir(directory)

    def discard_created(self) -> None:
        with self._lock:
            created, self.created = self.created, set()
        for sha in created:
            blob_path(self.home, sha).unlink(missing_ok=True)


def write_edition(home: Path, manifest_bytes: bytes, signature_hex: str) -> str:
    """Store a manifest and its signature (not yet live); return the id."""
    edition = edition_id(manifest_bytes)
    write_atomic(manifest_path(home, edition), manifest_bytes)
    write_atomic(signature_path(home, edition), (signature_hex + "\n").encode())
    return edition


def set_current(home: Path, edition: str) -> None:
    """Make `edition` live: one atomic rename, after its files are durable."""
    if not manifest_path(home, edition).exists() or not signature_path(home, edition).exists():
        raise StoreError(f"edition {edition} is not complete; it cannot go live")
    write_atomic(root(home) / CURRENT, (edition + "\n").encode())


@contextmanager
def locked(home: Path) -> Iterator[None]:
    """One writer at a time: a GC during a build could remove blobs the build
    counts on. Held for the whole build, and released by the kernel on kill -9."""
    root(home).mkdir(parents=True, exist_ok=True)
    fd = os.open(root(home) / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise StoreBusy(
                f"another build is writing to {root(home)}; wait for it to finish"
            ) from exc
        yield
    finally:
        os.close(fd)


def remove_temporary(home: Path) -> int:
    """Remove the temporary files a killed writer left. Only under locked()."""
    removed = 0
    base = root(home)
    for directory in [base, base / MANIFESTS, base / BLOBS, *sorted((base / BLOBS).glob("??"))]:
        if not directory.is_dir():
            continue
        for entry in os.scandir(directory):
            if entry.name.startswith(TEMP_PREFIX):
                os.unlink(entry.path)
                removed += 1
    return removed


# --- garbage collection ---------------------------------------------------------


@dataclass
class GcReport:
    kept: list[str]
    editions_removed: int = 0
    blobs_removed: int = 0
    bytes_freed: int = 0


def kept_editions(home: Path, keep: int) -> list[str]:
    """The editions to keep, newest first: `current` and its `previous` chain,
    topped up with the newest other manifests by time if the chain is short."""
    kept: list[str] = []
    edition = current_id(home)
    while edition and len(kept) < keep and edition not in kept:
        if not manifest_path(home, edition).exists():
            break
        kept.append(edition)
        edition = scan_previous(read_manifest_bytes(home, edition))
    if len(kept) < keep:
        others = sorted(
            (p for p in (root(home) / MANIFESTS).glob("*.json") if p.stem not in kept),
            key=lambda p: p.stat().st_mtime, reverse=True,
        )
        kept += [p.stem for p in others[: keep - len(kept)]]
    # A kept patch needs its base, however old: it is part of that edition.
    for edition in list(kept):
        base = base_id(home, edition) if manifest_path(home, edition).exists() else None
        if base and base not in kept:
            kept.append(base)
    return kept


def gc(home: Path, keep: int) -> GcReport:
    """Remove editions beyond the last `keep` and every blob none of the kept
    ones references. Only under locked(). A kept manifest that cannot be read
    stops the blob sweep: better a full disk than a broken edition."""
    report = GcReport(kept=kept_editions(home, max(keep, 1)))
    referenced: set[str] = set()
    for edition in report.kept:
        referenced |= scan_blobs(read_manifest_bytes(home, edition))
    manifests = root(home) / MANIFESTS
    if manifests.is_dir():
        for path in manifests.iterdir():
            if path.suffix in {".json", ".sig"} and path.stem not in report.kept:
                if path.suffix == ".json":
                    report.editions_removed += 1
                path.unlink()
    for directory in sorted((root(home) / BLOBS).glob("??")):
        for entry in os.scandir(directory):
            if entry.name in referenced:
                continue
            if not entry.name.startswith(TEMP_PREFIX):
                report.blobs_removed += 1
                report.bytes_freed += entry.stat().st_size
            os.unlink(entry.path)
    remove_temporary(home)
    return report
