"""How an edition becomes files in an export, and back.

`altavoz export` writes these files and `altavoz verify` reads them, so both go
through this one module: the URL path ↔ file name mapping, the files generated
from the manifest (redirect pages, the public key), and the `--base-url` link
rewriting together with its exact inverse.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

WELL_KNOWN = ".well-known/altavoz"
MANIFEST_FILE = f"{WELL_KNOWN}/manifest.json"
SIGNATURE_FILE = f"{WELL_KNOWN}/manifest.sig"
PUBLIC_KEY_FILE = f"{WELL_KNOWN}/public-key"
# When the manifest is a patch (format 2), its full base manifest and signature.
BASE_FILE = f"{WELL_KNOWN}/base.json"
BASE_SIGNATURE_FILE = f"{WELL_KNOWN}/base.sig"
# Written by the exporter for itself: the files it owns, and the base URL it rewrote for.
FILE_LIST = f"{WELL_KNOWN}/export-files.txt"
REWRITTEN_FOR = f"{WELL_KNOWN}/rewritten-for"
CONTROL_FILES = frozenset(
    {MANIFEST_FILE, SIGNATURE_FILE, PUBLIC_KEY_FILE, FILE_LIST, REWRITTEN_FOR, BASE_FILE,
     BASE_SIGNATURE_FILE})

# A directory-like path is written as DIR/index.<ext>; the extension is what makes a
# static server (nginx's mime.types, Apache, any CDN) send the right Content-Type.
INDEX_BY_TYPE = {
    "text/html": "index.html",
    "application/xhtml+xml": "index.html",
    "application/atom+xml": "index.xml",
    "application/rss+xml": "index.xml",
    "application/xml": "index.xml",
    "text/xml": "index.xml",
    "application/json": "index.json",
    "text/plain": "index.txt",
}
# File names that already tell a server the type: written as themselves.
_SUFFIXES = {"index.html": (".html", ".htm"), "index.xml": (".xml", ".atom", ".rss"),
             "index.json": (".json",), "index.txt": (".txt",)}
VARIANTS = (("gzip", ".gz"), ("br", ".br"))


class LayoutError(ValueError):
    """The manifest names a path that cannot be a file in an export."""


def mime(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def file_for(path: str, content_type: str) -> str:
    """The export-relative file name (POSIX) that serves URL `path`."""
    if not path.startswith("/"):
        raise LayoutError(f"path does not start with '/': {path!r}")
    # Static servers decode the URL before looking up the file, so the name is decoded.
    decoded = unquote(path)
    segments = decoded[1:].split("/")
    directory = decoded.endswith("/")
    if directory:
        segments = segments[:-1]
    for segment in segments:
        # Refuse anything that could climb out of the export or hide a file.
        if segment in {"", ".", ".."} or "\\" in segment or any(ord(c) < 32 for c in segment):
            raise LayoutError(f"unsafe path in manifest: {path!r}")
    index = index_name(content_type)
    if directory:
        if index is None:
            raise LayoutError(f"no index file name for {path!r} of type {content_type!r}")
        segments.append(index)
    elif index and not segments[-1].lower().endswith(_SUFFIXES[index]) and not decoded.startswith(
            "/.well-known/"):
        # "/api/v1/articles" (JSON): as itself a static server would call it
        # application/octet-stream, and it could not sit beside "/api/v1/articles/es/…".
        segments.append(index)
    return "/".join(segments)


def index_name(content_type: str) -> str | None:
    kind = mime(content_type)
    if kind in INDEX_BY_TYPE:
        return INDEX_BY_TYPE[kind]
    if kind.endswith("+xml"):
        return "index.xml"
    if kind.endswith("+json"):
        return "index.json"
    return None


@dataclass(frozen=True)
class Entry:
    """One file of an export: either a signed blob (`sha`) or bytes made from the manifest."""

    relpath: str
    url_path: str
    variant: str  # "identity", "gzip", "br", "redirect" or "public-key"
    content_type: str
    sha: str | None = None
    size: int | None = None
    data: bytes | None = None
    base: str | None = None  # for a variant: the relpath of its identity file

    def describe(self) -> str:
        return f"{self.url_path} ({self.relpath})"


def plan(manifest: dict, prefix: str = "") -> list[Entry]:
    """Every file an export of `manifest` holds, besides the manifest and signature.

    `prefix` is the path prefix of a `--base-url` (e.g. "/altavoz"); only the
    redirect pages, which are made here, depend on it.
    """
    entries: list[Entry] = []
    paths: dict = manifest.get("paths", {})
    for path in sorted(paths):
        info = paths[path]
        ctype = info.get("type", "application/octet-stream")
        relpath = file_for(path, ctype)
        entries.append(Entry(relpath, path, "identity", ctype, info["blob"], info.get("size")))
        for variant, suffix in VARIANTS:
            if variant in info:
                v = info[variant]
                entries.append(Entry(relpath + suffix, path, variant, ctype, v["blob"],
                                     v.get("size"), base=relpath))
    for source, target in sorted(manifest.get("redirects", {}).items()):
        if source in paths:
            continue  # a real page wins over a redirect
        page = redirect_page(target, prefix, manifest.get("site", {}).get("name", ""))
        entries.append(Entry(file_for(source, "text/html"), source, "redirect",
                             "text/html; charset=utf-8", data=page))
    public_key = manifest.get("site", {}).get("public_key")
    if public_key and "/" + PUBLIC_KEY_FILE not in paths:
        entries.append(Entry(PUBLIC_KEY_FILE, "/" + PUBLIC_KEY_FILE, "public-key",
                             "text/plain", data=(public_key + "\n").encode()))
    _refuse_collisions(entries)
    return entries


def _refuse_collisions(entries: list[Entry]) -> None:
    seen: dict[str, str] = {}
    for entry in entries:
        other = seen.setdefault(entry.relpath, entry.url_path)
        if other != entry.url_path or entry.relpath in (MANIFEST_FILE, SIGNATURE_FILE):
            raise LayoutError(f"{entry.url_path} and {other} both need the file {entry.relpath}")
    files = set(seen)
    for relpath in files:
        # "/a" as a file and "/a/b" below it cannot both exist on a disk.
        parts = relpath.split("/")
        for i in range(1, len(parts)):
            if "/".join(parts[:i]) in files:
                raise LayoutError(f"{'/'.join(parts[:i])} is both a file and a directory")


def redirect_page(target: str, prefix: str = "", site_name: str = "") -> bytes:
    """What a static host serves instead of a redirect it cannot send."""
    url = prefix + target if target.startswith("/") and not target.startswith("//") else target
    quoted = html.escape(url, quote=True)
    title = html.escape(site_name or url)
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{title}</title>\n"
        f"<meta http-equiv=\"refresh\" content=\"0; url={quoted}\">\n"
        f"<link rel=\"canonical\" href=\"{quoted}\">\n"
        f"</head><body><p><a href=\"{quoted}\">{quoted}</a></p></body></html>\n"
    ).encode()


def base_prefix(base_url: str) -> str:
    """'https://m.example/altavoz/' → '/altavoz'; a host root → ''."""
    return urlsplit(base_url).path.rstrip("/")


# --- --base-url rewriting -------------------------------------------------------------
# Root-relative URLs in these attributes get the prefix; "//host" is not root-relative.
_ATTR_HEAD = rb"""(\s(?:href|src|action|formaction|poster)\s*=\s*["']?)"""
_ATTR = re.compile(_ATTR_HEAD + rb"/(?!/)", re.I)
# In JSON, only values of link-like keys ("url", "api_url", "next", …): other strings
# are content, and a title may well start with "/".
_JSON_HEAD = rb'("(?:[a-z_]*url|href|next|previous|first|last|self|openapi)"\s*:\s*")'
_JSON_LINK = re.compile(_JSON_HEAD + rb"/(?!/)", re.I)
_SRCSET = re.compile(rb"""(\ssrcset\s*=\s*)(["'])(.*?)\2""", re.I | re.S)
_BOUNDARY = rb"(?=[/\"'<>\s?#]|$)"


def _is_json(content_type: str) -> bool:
    kind = mime(content_type)
    return kind == "application/json" or kind.endswith("+json")


def rewritable(content_type: str) -> bool:
    kind = mime(content_type)
    return (kind in {"text/html", "application/json"} or kind.endswith(("+xml", "/xml"))
            or kind.endswith("+json"))


class Rewriter:
    """Moves an export from the origin's base URL to a mirror's `--base-url`.

    `unrewrite` is the inverse of `rewrite`, so verify can recover the signed bytes
    of a rewritten file; it then checks `rewrite(unrewrite(f)) == f`, which proves the
    file is exactly the signed one rewritten for this base URL and nothing else.
    """

    def __init__(self, origin: str, base_url: str):
        self.origin = origin.rstrip("/").encode()
        self.target = base_url.rstrip("/").encode()
        self.prefix = base_prefix(base_url).encode()
        prefixed = re.escape(self.prefix) + rb"/"
        self._prefixed_attr = re.compile(_ATTR_HEAD + prefixed, re.I)
        self._prefixed_json = re.compile(_JSON_HEAD + prefixed, re.I)

    def rewrite(self, data: bytes, content_type: str) -> bytes:
        if self.prefix:
            if _is_json(content_type):
                data = _JSON_LINK.sub(self._add, data)
            else:
                data = _ATTR.sub(self._add, data)
                data = _SRCSET.sub(lambda m: self._srcset(m, add=True), data)
        return self._swap(data, self.origin, self.target)

    def unrewrite(self, data: bytes, content_type: str) -> bytes:
        data = self._swap(data, self.target, self.origin)
        if self.prefix:
            if _is_json(content_type):
                data = self._prefixed_json.sub(self._strip, data)
            else:
                data = self._prefixed_attr.sub(self._strip, data)
                data = _SRCSET.sub(lambda m: self._srcset(m, add=False), data)
        return data

    def _add(self, match: re.Match) -> bytes:
        return match.group(1) + self.prefix + b"/"

    @staticmethod
    def _strip(match: re.Match) -> bytes:
        return match.group(1) + b"/"

    def _srcset(self, match: re.Match, *, add: bool) -> bytes:
        old = rb"(^|,)(\s*)/(?!/)" if add else rb"(^|,)(\s*)" + re.escape(self.prefix) + rb"/"
        new = (lambda m: m.group(1) + m.group(2) + self.prefix + b"/") if add else (
            lambda m: m.group(1) + m.group(2) + b"/")
        return match.group(1) + match.group(2) + re.sub(old, new, match.group(3)) + match.group(2)

    @staticmethod
    def _swap(data: bytes, old: bytes, new: bytes) -> bytes:
        if not old or old == new:
            return data
        return re.sub(re.escape(old) + _BOUNDARY, lambda _m: new, data)

