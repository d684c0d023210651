"""`altavoz verify DIR|URL --key KEY`: is this mirror exactly a signed edition?

The public key comes from the person verifying, never from the export: a key
shipped beside the files it vouches for proves nothing. With it we check the
signature over the manifest's bytes, then every file the manifest implies.

A `--base-url` export holds HTML, feeds and JSON whose links were rewritten, so
their bytes differ from the signed ones. Verify undoes the rewriting and checks
that (a) the result hashes to the signed blob and (b) rewriting it again gives
back the file exactly; both hold only for the signed file rewritten for that base
URL. Such files are reported as "rewritten for base URL X", with X shown, since
whoever controls the mirror also chose X.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote

import brotli
from rich.console import Console

from altavoz import config
from altavoz.editions import layout, signing
from altavoz.editions.layout import Entry
from altavoz.editions.manifest import ManifestError, check_format, is_patch, resolve
from altavoz.editions.origin_links import ORIGIN_FILE, MirrorRewriter, for_export, signed_origin

MAX_MANIFEST = 256 * 1024 * 1024
HTTP_TIMEOUT = 30
WORKERS = 8  # files fetched at once; enough to hide HTTP latency, gentle on a small mirror


class VerifyError(Exception):
    """No edition can be checked: unreadable manifest or bad signature (exit 2)."""


@dataclass(frozen=True)
class Finding:
    kind: str  # "changed", "missing" or "extra"
    where: str
    detail: str = ""

    def line(self) -> str:
        return f"{self.kind}: {self.where}" + (f" — {self.detail}" if self.detail else "")


@dataclass
class Report:
    edition_id: str
    created: str
    source: str
    checked: int = 0
    identical: int = 0
    rewritten: int = 0
    rewritten_for: str | None = None
    origin_url: str | None = None  # where the export sends forms and origin-only links
    extras_listed: bool = True
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for f in self.findings if f.kind == kind)

    @property
    def exit_code(self) -> int:
        return 1 if self.findings else 0


# --- where the files come from ----------------------------------------------------------

class _Directory:
    lists_files = True

    def __init__(self, root: Path):
        self.root = root
        self.label = str(root)

    def get(self, url_path: str, relpath: str, limit: int) -> bytes | None:
        path = self.root / relpath
        if not path.is_file():
            return None
        with path.open("rb") as handle:
            return handle.read(limit)

    def names(self) -> set[str]:
        found = set()
        for dirpath, _dirs, files in os.walk(self.root):
            for name in files:
                found.add(Path(dirpath, name).relative_to(self.root).as_posix())
        return found


class _Http:
    lists_files = False  # a web server does not list its files

    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.label = base

    def get(self, url_path: str, relpath: str, limit: int) -> bytes | None:
        # Quote after decoding so "/a%C3%B1o/" and "/año/" ask for the same URL.
        url = self.base + quote(unquote(url_path), safe="/:@!$&'()*+,;=-._~")
        # No Accept-Encoding: the identity bytes are the ones the manifest signs.
        request = urllib.request.Request(url, headers={"User-Agent": "altavoz-verify"})
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
                return response.read(limit)
        except urllib.error.HTTPError as exc:
            if exc.code in (404, 410):
                return None
            raise OSError(f"HTTP {exc.code} for {url}") from exc

    def names(self) -> set[str]:
        return set()


def open_source(target: str) -> _Directory | _Http:
    if target.startswith(("http://", "https://")):
        return _Http(target)
    root = Path(target)
    if not root.is_dir():
        raise VerifyError(f"{target} is neither a directory nor an http(s) URL")
    return _Directory(root)


# --- the checks ----------------------------------------------------------------------------

def load_manifest(source: _Directory | _Http, public_key_hex: str) -> tuple[bytes, dict]:
    """The manifest's bytes and full content, once its signature checks out with
    the given key. A patch (format 2) comes with its base, which must be the
    edition the patch names and be signed by the same key; it is merged in."""
    data, manifest = _signed_json(source, layout.MANIFEST_FILE, layout.SIGNATURE_FILE,
                                  public_key_hex, "manifest")
    try:
        check_format(manifest)
    except ManifestError as exc:
        raise VerifyError(str(exc)) from exc
    if is_patch(manifest):
        base_bytes, base = _signed_json(source, layout.BASE_FILE, layout.BASE_SIGNATURE_FILE,
                                        public_key_hex, "base manifest")
        if hashlib.sha256(base_bytes).hexdigest() != manifest["base"]:
            raise VerifyError(f"{layout.BASE_FILE} is not edition {manifest['base']}, the base "
                              "the signed patch names")
        try:
            manifest = resolve(base, manifest)
        except ManifestError as exc:
            raise VerifyError(str(exc)) from exc
    return data, manifest


def _signed_json(source: _Directory | _Http, name: str, signature_name: str,
                 public_key_hex: str, what: str) -> tuple[bytes, dict]:
    try:
        data = source.get("/" + name, name, MAX_MANIFEST)
        sig = source.get("/" + signature_name, signature_name, 1024)
    except OSError as exc:
        raise VerifyError(f"cannot read the {what} from {source.label}: {exc}") from exc
    if data is None or sig is None:
        raise VerifyError(f"no signed {what} at {source.label}/{name} (and its .sig): not an "
                          "altavoz export, or an incomplete one")
    if not signing.verify(data, sig.decode("ascii", "replace").strip(), public_key_hex):
        raise VerifyError(f"BAD SIGNATURE: the {what} was not signed by this key, or it was "
                          "altered after signing. Nothing in this export can be trusted.")
    try:
        return data, json.loads(data)
    except ValueError as exc:  # signed but not JSON: a builder bug, not tampering
        raise VerifyError(f"the signed {what} is not valid JSON: {exc}") from exc


def verify(target: str, public_key_hex: str, *, expect_base_url: str | None = None,
           expect_origin_url: str | None = None,
           progress: Callable[[int, int], None] | None = None) -> Report:
    source = open_source(target)
    data, manifest = load_manifest(source, public_key_hex)
    report = Report(hashlib.sha256(data).hexdigest(), manifest.get("created", "?"),
                    source.label, extras_listed=source.lists_files)
    origin = manifest.get("site", {}).get("base_url", "")
    if manifest.get("site", {}).get("public_key", public_key_hex) != public_key_hex:
        report.notes.append("the manifest names another public key than the one you gave")

    rewriter = for_export(manifest, _base_url(source, origin, expect_base_url, report),
                          _origin_url(source, manifest, expect_origin_url, report))
    prefix = layout.base_prefix(report.rewritten_for) if report.rewritten_for else ""
    try:
        entries = layout.plan(manifest, prefix)
    except layout.LayoutError as exc:
        raise VerifyError(f"the signed manifest cannot be laid out as files: {exc}") from exc
    by_relpath = {entry.relpath: entry for entry in entries}

    def check(entry: Entry) -> tuple[Entry, str, str]:
        try:
            return (entry, *_check(source, entry, rewriter, by_relpath))
        except OSError as exc:
            return entry, "missing", str(exc)

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for done, (entry, status, detail) in enumerate(pool.map(check, entries), 1):
            report.checked += 1
            if status == "identical":
                report.identical += 1
            elif status == "rewritten":
                report.rewritten += 1
            else:
                report.findings.append(Finding(status, entry.describe(), detail))
            if progress:
                progress(done, len(entries))

    if source.lists_files:
        expected = set(by_relpath) | layout.CONTROL_FILES | {ORIGIN_FILE}
        for name in sorted(source.names() - expected):
            report.findings.append(Finding("extra", name))
    else:
        report.notes.append("extra files cannot be listed over HTTP; verify a copy of the "
                            "directory to look for them")
    return report


def _base_url(source: _Directory | _Http, origin: str, expect: str | None,
              report: Report) -> str | None:
    raw = source.get("/" + layout.REWRITTEN_FOR, layout.REWRITTEN_FOR, 4096)
    claimed = raw.decode("utf-8", "replace").strip() if raw else None
    if claimed and not re.fullmatch(r"https?://[^\s<>\"']+/", claimed):
        # e.g. a server that answers every unknown path with its front page
        report.findings.append(Finding("changed", "/" + layout.REWRITTEN_FOR,
                                       "does not hold a base URL"))
        claimed = None
    if expect is not None:
        wanted = expect.rstrip("/") + "/"
        if wanted.rstrip("/") == origin.rstrip("/"):
            wanted = None  # the origin's own address: no rewriting expected
        if (claimed or None) != wanted:
            report.findings.append(Finding(
                "changed", "/" + layout.REWRITTEN_FOR,
                f"export rewritten for {claimed or 'no base URL'}, expected {wanted or 'none'}"))
    elif claimed and isinstance(source, _Http) and claimed != source.base + "/":
        # Links rewritten for one address but served at another: they lead elsewhere.
        report.findings.append(Finding(
            "changed", "/" + layout.REWRITTEN_FOR,
            f"export rewritten for {claimed}, but served at {source.base}/"))
    report.rewritten_for = claimed or None
    return report.rewritten_for


def _origin_url(source: _Directory | _Http, manifest: dict, expect: str | None,
                report: Report) -> str | None:
    """Where the export sends forms and origin-only links. Only the address the signed
    manifest names is trusted unless the person verifying names another: a mirror
    that sent the log-in form elsewhere would collect passwords."""
    raw = source.get("/" + ORIGIN_FILE, ORIGIN_FILE, 4096)
    claimed = raw.decode("utf-8", "replace").strip() if raw else None
    if claimed:
        try:
            claimed = config.site_url(claimed, ORIGIN_FILE)
        except config.ConfigError:
            report.findings.append(Finding("changed", "/" + ORIGIN_FILE,
                                           "does not hold an origin address"))
            claimed = None
    wanted = signed_origin(manifest)
    if expect is not None:
        try:
            wanted = config.site_url(expect, "--origin-url")
        except config.ConfigError as exc:
            raise VerifyError(str(exc)) from exc
        if not claimed:
            report.findings.append(Finding("changed", "/" + ORIGIN_FILE,
                                           f"forms are not sent to an origin, expected {wanted}"))
    if claimed and claimed != wanted:
        hint = "" if expect else (f" (the address the signed edition names; pass --origin-url "
                                  f"{claimed} if that one is the site's too)")
        report.findings.append(Finding("changed", "/" + ORIGIN_FILE,
                                       f"forms and log-in links are sent to {claimed}, "
                                       f"not to {wanted}{hint}"))
    report.origin_url = claimed
    return claimed


def _check(source: _Directory | _Http, entry: Entry, rewriter: MirrorRewriter | None,
           by_relpath: dict[str, Entry]) -> tuple[str, str]:
    rewrite = rewriter is not None and entry.sha is not None and layout.rewritable(
        entry.content_type)
    expected = entry.size if entry.size is not None else len(entry.data or b"")
    # Read one byte past the expected size, so a padded file is caught without
    # downloading whatever a hostile mirror sends.
    limit = expected * 2 + 65536 if rewrite else expected + 1
    body = source.get(entry.url_path if entry.variant in ("identity", "redirect")
                      else "/" + entry.relpath, entry.relpath, limit)
    if body is None:
        return "missing", ""
    if entry.data is not None:
        return ("identical", "") if body == entry.data else ("changed", "")
    if hashlib.sha256(body).hexdigest() == entry.sha:
        return "identical", ""
    if not rewrite:
        return "changed", _size_note(body, entry)
    identity = by_relpath[entry.base] if entry.base else entry
    if entry.variant != "identity":
        body = _decompress(body, entry.variant, (identity.size or 0) * 2 + 65536)
        if body is None:
            return "changed", f"not a valid {entry.variant} stream"
    original = rewriter.unrewrite(body, entry.content_type)
    if (hashlib.sha256(original).hexdigest() == identity.sha
            and rewriter.rewrite(original, entry.content_type) == body):
        return "rewritten", ""
    return "changed", "differs from the signed file, even allowing for the base URL rewriting"


def _size_note(body: bytes, entry: Entry) -> str:
    if entry.size is not None and len(body) != entry.size:
        more = "+" if len(body) > entry.size else ""
        return f"{len(body)} bytes{more}, signed {entry.size}"
    return "same size, different bytes"


def _decompress(body: bytes, variant: str, limit: int) -> bytes | None:
    try:
        if variant == "gzip":
            inflater = zlib.decompressobj(wbits=31)  # gzip wrapper
            out = inflater.decompress(body, limit)
            return out if inflater.eof else None
        if variant == "br":
            out = brotli.decompress(body)
            return out if len(out) <= limit else None
    except Exception:  # any decoder error means the same thing: not a valid stream
        return None
    return None


def read_key(key: str | None, key_file: str | None) -> str:
    raw = key if key is not None else Path(key_file or "").read_text()
    raw = raw.strip().lower()
    try:
        if len(bytes.fromhex(raw)) != 32:
            raise ValueError
    except ValueError as exc:
        raise VerifyError("the public key must be 64 hex digits (an Ed25519 verify key, as in "
                          "keys/signing.pub)") from exc
    return raw


def command(args: argparse.Namespace, console: Console) -> int:
    """`altavoz verify`: exit 0 identical, 1 differences, 2 bad signature or no manifest."""
    from rich.progress import Progress
    from rich.table import Table

    try:
        key = read_key(args.key, args.key_file)
        with Progress(console=console, transient=True, disable=not console.is_terminal) as bar:
            task = bar.add_task("Verifying", total=None)
            report = verify(args.target, key, expect_base_url=args.base_url,
                            expect_origin_url=args.origin_url,
                            progress=lambda done, total: bar.update(task, completed=done,
                                                                    total=total))
    except (VerifyError, OSError) as exc:
        console.print(f"[red bold]verify failed:[/] {exc}")
        return 2

    for finding in report.findings:
        print(finding.line())
    out = Console()
    # On lines of their own, unwrapped: the edition id is what people compare.
    out.print(f"verified {report.source}", soft_wrap=True)
    out.print(f"edition {report.edition_id} (created {report.created})", soft_wrap=True)
    table = Table(show_header=False)
    table.add_row("signature", "[green]good[/] (checked with the key you gave)")
    table.add_row("files checked", str(report.checked))
    table.add_row("identical", str(report.identical))
    if report.rewritten_for or report.origin_url:
        why = []
        if report.rewritten_for:
            why.append(f"rewritten for base URL {report.rewritten_for}")
        if report.origin_url:
            why.append(f"forms sent to {report.origin_url}")
        table.add_row("rewritten", f"{report.rewritten} ({', '.join(why)})")
    for kind in ("changed", "missing", "extra"):
        count = report.count(kind)
        table.add_row(kind, f"[red]{count}[/]" if count else "0")
    out.print(table)
    for note in report.notes:
        out.print(f"[yellow]note:[/] {note}")
    if report.rewritten_for and args.base_url is None:
        out.print(f"[yellow]note:[/] links in {report.rewritten} files point to "
                  f"{report.rewritten_for}; check that this is the mirror's own address "
                  "(or pass --base-url to require it)")
    if report.exit_code:
        n = len(report.findings)
        out.print(f"[red bold]DIFFERENT:[/] {n} difference{'s' * (n != 1)} from the signed edition")
    else:
        out.print("[green bold]OK:[/] every file is the signed edition's")
    return report.exit_code
