"""`altavoz export DIR`: an edition as a plain directory any static server can serve.

Re-exporting into the same directory is incremental: a file is written only when
its content changed (temp file + rename, so a server never sees half a file), and
files the previous export wrote that the new edition no longer has are removed.
Files someone else put in the directory are never touched.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from rich.console import Console

from altavoz import config
from altavoz.editions import compress, layout, store
from altavoz.editions.layout import Entry
from altavoz.editions.origin_links import ORIGIN_FILE, MirrorRewriter, for_export, signed_origin

CHUNK = 1 << 16


class ExportError(Exception):
    """The export cannot be made; the message says why and what to do."""


@dataclass
class ExportReport:
    edition_id: str
    files: int = 0
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rewritten: int = 0
    rewritten_for: str | None = None
    origin_url: str | None = None  # where forms and origin-only links were sent

    @property
    def unchanged(self) -> int:
        return self.files - len(self.written)


@dataclass(frozen=True)
class _Record:
    sha: str
    size: int
    mtime_ns: int


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _check_origin_url(origin_url: str) -> str:
    try:
        return config.site_url(origin_url, "--origin-url")
    except config.ConfigError as exc:
        raise ExportError(str(exc)) from exc


def check_base_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
        raise ExportError(f"--base-url must be an http(s) URL like https://mirror.example/site/, "
                          f"got {base_url!r}")
    return base_url.rstrip("/") + "/"


def export(home: Path, target: Path, *, edition: str | None = None,
           base_url: str | None = None, origin_links: bool = False,
           origin_url: str | None = None,
           progress: Callable[[int, int], None] | None = None) -> ExportReport:
    """Write edition `edition` (default: the current one) of `home` into `target`.

    With `origin_links` (the CLI's default), forms and links to origin-only pages
    point to `origin_url`, by default the address the edition vouches for
    (origin_links.signed_origin): a static mirror cannot answer them.
    """
    try:
        edition_id = edition or store.current_id(home)
    except store.StoreError as exc:
        raise ExportError(str(exc)) from exc
    if not edition_id:
        raise ExportError(f"no edition in {home}: run `altavoz build` first")
    try:
        manifest_bytes, manifest = store.read_resolved(home, edition_id)
        signature = store.read_signature(home, edition_id)
        base = store.base_id(home, edition_id)
        base_files = (store.read_manifest_bytes(home, base), store.read_signature(home, base)
                      ) if base else None
    except (store.StoreError, OSError, ValueError) as exc:
        raise ExportError(f"cannot read edition {edition_id}: {exc}") from exc

    if base_url:
        base_url = check_base_url(base_url)
    if origin_links or origin_url:
        origin_url = _check_origin_url(origin_url or signed_origin(manifest))
    rewriter = for_export(manifest, base_url, origin_url)
    rewritten_for = rewriter.base_url if rewriter else None
    try:
        entries = layout.plan(manifest, layout.base_prefix(rewritten_for) if rewritten_for else "")
    except layout.LayoutError as exc:
        raise ExportError(str(exc)) from exc

    target.mkdir(parents=True, exist_ok=True)
    old = _read_records(target)
    report = ExportReport(edition_id, rewritten_for=rewritten_for, origin_url=origin_url)
    records: dict[str, _Record] = {}
    writer = _Writer(target, old, records, report)
    rewritten: dict[str, bytes] = {}  # identity relpath → its rewritten bytes

    total = len(entries)
    for done, entry in enumerate(entries, 1):
        try:
            if entry.data is not None:
                writer.put_bytes(entry.relpath, entry.data)
            elif rewriter and layout.rewritable(entry.content_type):
                blob = store.blob_path(home, entry.sha)
                _put_rewritten(writer, entry, rewriter, rewritten, blob)
            else:
                writer.put_blob(entry.relpath, entry.sha, store.blob_path(home, entry.sha))
        except FileNotFoundError as exc:
            raise ExportError(f"edition {edition_id} is incomplete: no blob for "
                              f"{entry.url_path} ({exc.filename})") from exc
        if progress:
            progress(done, total)

    # Control files last: a mirror never announces a manifest whose pages are not there.
    if base_files:  # a patch is checked against its base: both travel together
        writer.put_bytes(layout.BASE_FILE, base_files[0])
        writer.put_bytes(layout.BASE_SIGNATURE_FILE, (base_files[1].strip() + "\n").encode())
    writer.put_bytes(layout.MANIFEST_FILE, manifest_bytes)
    writer.put_bytes(layout.SIGNATURE_FILE, (signature.strip() + "\n").encode())
    if rewritten_for:
        writer.put_bytes(layout.REWRITTEN_FOR, (rewritten_for + "\n").encode())
    if origin_url:
        writer.put_bytes(ORIGIN_FILE, (origin_url + "\n").encode())

    for relpath in sorted(set(old) - set(records)):
        _remove(target, relpath)
        report.removed.append(relpath)
    _write_records(target, records)
    return report


def _put_rewritten(writer: _Writer, entry: Entry, rewriter: MirrorRewriter,
                   rewritten: dict[str, bytes], blob: Path) -> None:
    if entry.variant == "identity":
        original = blob.read_bytes()
        data = rewriter.rewrite(original, entry.content_type)
        if data == original:
            writer.put_blob(entry.relpath, entry.sha, blob)
            return
        rewritten[entry.relpath] = data
        writer.put_bytes(entry.relpath, data)
        writer.report.rewritten += 1
        return
    data = rewritten.get(entry.base or "")
    if data is None:  # the identity needed no rewriting: the signed variant is right
        writer.put_blob(entry.relpath, entry.sha, blob)
    elif entry.base not in writer.changed and writer.keep(entry.relpath):
        pass  # same rewritten page as last time: no need to compress it again (brotli 11)
    elif entry.variant == "gzip":
        # Deterministic (no timestamp): the same page gives the same file, so a
        # re-export leaves it alone.
        writer.put_bytes(entry.relpath, compress.gzip_bytes(data))
    elif entry.variant == "br":
        writer.put_bytes(entry.relpath, compress.brotli_bytes(data))


class _Writer:
    """Writes a file only when its bytes differ from what is already there."""

    def __init__(self, root: Path, old: dict[str, _Record], records: dict[str, _Record],
                 report: ExportReport):
        self.root, self.old, self.records, self.report = root, old, records, report
        self.changed: set[str] = set()

    def put_blob(self, relpath: str, sha: str, source: Path) -> None:
        self._put(relpath, sha, lambda handle: _copy_into(source, handle))

    def put_bytes(self, relpath: str, data: bytes) -> None:
        self._put(relpath, hashlib.sha256(data).hexdigest(), lambda handle: handle.write(data))

    def keep(self, relpath: str) -> bool:
        """Keep the file the last export wrote, if it is still as it was then."""
        known = self.old.get(relpath)
        if known is None or self._unchanged(known, self.root / relpath) is None:
            return False
        self.report.files += 1
        self.records[relpath] = known
        return True

    def _put(self, relpath: str, sha: str, fill: Callable[[BinaryIO], object]) -> None:
        self.report.files += 1
        path = self.root / relpath
        if self._current_sha(relpath, path) != sha:
            self._replace(relpath, path, fill)
            self.report.written.append(relpath)
            self.changed.add(relpath)
        st = path.stat()
        self.records[relpath] = _Record(sha, st.st_size, st.st_mtime_ns)

    @staticmethod
    def _unchanged(known: _Record, path: Path) -> os.stat_result | None:
        # Same size and mtime as when we wrote it: trust the recorded hash (like git's
        # index) so a re-export does not re-read every media file.
        try:
            st = path.lstat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        if stat.S_ISREG(st.st_mode) and (st.st_size, st.st_mtime_ns) == (known.size,
                                                                         known.mtime_ns):
            return st
        return None

    def _current_sha(self, relpath: str, path: Path) -> str | None:
        known = self.old.get(relpath)
        if known and self._unchanged(known, path):
            return known.sha
        if not path.is_file() or path.is_symlink():
            return None
        return sha256_file(path)

    def _replace(self, relpath: str, path: Path, fill: Callable[[BinaryIO], object]) -> None:
        self._make_parent(relpath, path.parent)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                fill(handle)
            os.chmod(tmp, 0o644)  # mkstemp makes 0600; the web server's user must read it
            if path.is_dir() and not path.is_symlink():
                raise ExportError(f"{path} is a directory; the edition needs a file there")
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _make_parent(self, relpath: str, parent: Path) -> None:
        parts = relpath.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            prefix = "/".join(parts[:i])
            here = self.root / prefix
            # An old export's file where this edition needs a directory ("/a" then "/a/").
            if prefix in self.old and here.is_file():
                here.unlink()
        parent.mkdir(parents=True, exist_ok=True)


def _copy_into(source: Path, handle: BinaryIO) -> None:
    with source.open("rb") as blob:
        while chunk := blob.read(CHUNK):
            handle.write(chunk)


def _remove(root: Path, relpath: str) -> None:
    path = root / relpath
    if path.is_file() or path.is_symlink():
        path.unlink()
    # Prune directories the removal left empty, never the export root itself.
    parent = path.parent
    while parent != root and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def _read_records(root: Path) -> dict[str, _Record]:
    records: dict[str, _Record] = {}
    try:
        text = (root / layout.FILE_LIST).read_text(encoding="utf-8")
    except FileNotFoundError:
        return records
    for line in text.splitlines():
        parts = line.split(" ", 3)
        if len(parts) == 4 and parts[1].isdigit() and parts[2].isdigit():
            try:
                layout.file_for("/" + parts[3], "")  # never remove outside the export
            except layout.LayoutError:
                continue
            records[parts[3]] = _Record(parts[0], int(parts[1]), int(parts[2]))
    return records


def _write_records(root: Path, records: dict[str, _Record]) -> None:
    text = "".join(f"{r.sha} {r.size} {r.mtime_ns} {relpath}\n"
                   for relpath, r in sorted(records.items()))
    path = root / layout.FILE_LIST
    try:
        if path.read_text(encoding="utf-8") == text:
            return  # an export that changed nothing leaves no trace
    except FileNotFoundError:
        pass
    fd, tmp = tempfile.mkstemp(prefix=".export-files.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def origin_options(args: argparse.Namespace) -> dict:
    """`--origin-url`, `--no-origin-links` and ALTAVOZ_ORIGIN_URL, as export()'s arguments."""
    if getattr(args, "no_origin_links", False):
        return {"origin_links": False, "origin_url": None}
    configured = os.environ.get("ALTAVOZ_ORIGIN_URL", "").strip()
    if configured and not args.origin_url:
        return {"origin_links": True,
                "origin_url": config.site_url(configured, "ALTAVOZ_ORIGIN_URL")}
    return {"origin_links": True, "origin_url": args.origin_url}


def summary(report: ExportReport, where: str, *, counts: bool = True) -> list[str]:
    """What an export changed, and what a reader of the mirror will find rewritten."""
    lines = [f"{report.files} files: {len(report.written)} written, {report.unchanged} "
             f"unchanged, {len(report.removed)} removed"] if counts else []
    if report.origin_url:
        lines.append(f"forms, search and origin-only pages (writing, log-in, comments) point to "
                     f"{report.origin_url}")
    if report.rewritten_for:
        lines.append(f"links rewritten for base URL {report.rewritten_for}")
    if report.rewritten_for or report.origin_url:
        options = f" --base-url {report.rewritten_for}" if report.rewritten_for else ""
        lines.append(f"{report.rewritten} pages rewritten (and their .gz/.br); verify them "
                     f"with: altavoz verify {where} --key KEY{options}")
    return lines


def command(args: argparse.Namespace, console: Console) -> int:
    """`altavoz export`: the CLI face of `export`, with a progress bar and a summary."""
    from rich.progress import Progress

    target = Path(args.dir)
    try:
        with Progress(console=console, transient=True, disable=not console.is_terminal) as bar:
            task = bar.add_task("Exporting", total=None)
            report = export(config.home(), target, edition=args.edition, base_url=args.base_url,
                            **origin_options(args),
                            progress=lambda done, total: bar.update(task, completed=done,
                                                                    total=total))
    except ExportError as exc:
        console.print(f"[red]error:[/] {exc}")
        return 2
    print(f"exported edition {report.edition_id} to {target}")
    for line in summary(report, str(target)):
        print(line)
    return 0
