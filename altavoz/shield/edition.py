"""An edition in memory, shaped for serving: every response head built once.

Loading does all the work a request would otherwise do: for each path and each
content-coding the whole head (status line, type, length, ETag, cache, Vary …)
is one bytes object. A request then picks a variant by a small Accept-Encoding
code and writes head + Date + body.

Blobs are shared: one bytes object per sha256, whichever paths (or editions)
use it. An unchanged manifest entry reuses the previous edition's Resource, so
publishing one article rebuilds a handful of heads, not all of them.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from altavoz.shield.http import BOTH, BOTH_GZIP_FIRST, BR, GZIP, etag_matches, status_line

PUBLIC_KEY_PATH = "/.well-known/altavoz/public-key"
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")
# Types a reader seeks into (video, audio, big PDFs): these answer Range requests.
_RANGE_PREFIXES = ("image/", "audio/", "video/", "application/pdf", "application/octet-stream",
                   "application/zip")
# Headers the edge writes itself; a manifest cannot override them.
_OWN_HEADERS = {"content-length", "content-encoding", "content-type", "etag", "vary",
                "cache-control", "content-language", "date", "connection", "transfer-encoding",
                "accept-ranges", "content-range", "set-cookie", "location"}


class EditionError(ValueError):
    """The manifest cannot be served; the message says where."""


def _value(text: Any, where: str) -> str:
    if not isinstance(text, str) or any(c in text for c in "\r\n\0"):
        raise EditionError(f"{where}: not a header value: {text!r}")
    return text


_NOT_MODIFIED = status_line(304)
_shared: dict[bytes, bytes] = {}


def _share(data: bytes) -> bytes:
    """One object for equal small byte strings (cache lines repeat on every page)."""
    return _shared.setdefault(data, data)


class Variant:
    """One encoding of one path: the whole head to send, and the body."""

    __slots__ = ("head", "body", "etag", "revalidate", "encoding")

    def __init__(self, head: bytes, body: bytes, etag: bytes, revalidate: bytes,
                 encoding: str) -> None:
        self.head = head  # status line and headers, without Date and the blank line
        self.body = body
        self.etag = etag
        self.revalidate = revalidate  # Cache-Control (and Vary) lines, shared
        self.encoding = encoding

    @property
    def not_modified(self) -> bytes:
        # Made per 304 (three joins) rather than stored: it would cost ~150 bytes per
        # variant of every path, for an answer that costs a fraction of a µs to make.
        return _NOT_MODIFIED + b"ETag: " + self.etag + b"\r\n" + self.revalidate


class Resource:
    """A path's representations. `pick[code]` is the variant for an
    Accept-Encoding code (http.encoding_code), so choosing costs one index."""

    __slots__ = ("pick", "variants", "identity", "rangeable", "common", "lang", "key")

    def __init__(self, variants: dict[str, Variant], rangeable: bool, common: bytes,
                 lang: str | None, key: tuple = ()) -> None:
        identity = variants["identity"]
        gzip, br = variants.get("gzip"), variants.get("br")
        pick = [identity] * 8
        pick[GZIP] = gzip or identity
        pick[BR] = br or identity
        pick[BOTH] = br or gzip or identity
        pick[BOTH_GZIP_FIRST] = gzip or br or identity
        self.pick = tuple(pick)
        self.variants = tuple(variants.values())
        self.identity = identity
        self.rangeable = rangeable
        self.common = common  # headers shared by the variants, kept for 206 heads only
        self.lang = lang
        self.key = key  # what the manifest said (fingerprint): reused if unchanged

    def matching(self, if_none_match: bytes) -> Variant | None:
        """The variant whose ETag the client holds (a 304 then confirms that one)."""
        for variant in self.variants:
            if etag_matches(if_none_match, variant.etag):
                return variant
        return None


def fingerprint(entry: dict[str, Any]) -> tuple:
    """What a path's serving depends on, compact: compared to reuse a Resource
    across editions, instead of keeping every parsed manifest entry around."""
    def blob(name: str) -> str | None:
        part = entry.get(name)
        return part.get("blob") if isinstance(part, dict) else None

    headers = entry.get("headers") or {}
    return (entry.get("blob"), blob("gzip"), blob("br"), _intern(entry.get("type")),
            _intern(entry.get("cache")), _intern(entry.get("lang")), entry.get("etag"),
            tuple(sorted(headers.items())) if isinstance(headers, dict) else headers,
            entry.get("size"))


def _intern(value: Any) -> Any:
    return sys.intern(value) if isinstance(value, str) else value


def _etag(manifest_etag: str | None, sha: str, encoding: str) -> bytes:
    # Strong ETags must differ between encodings of the same page (RFC 9110 8.8.3):
    # identity keeps the manifest's tag, each encoding is tagged by its own blob.
    if encoding == "identity" and manifest_etag:
        return manifest_etag.encode("latin-1")
    return f'"{sha[:32]}"'.encode()


_ONION = re.compile(r"^[a-z2-7]{56}\.onion\Z")


def onion_of(site: dict[str, Any]) -> str | None:
    """The site's onion host, if the manifest names a well-formed one."""
    onion = site.get("onion")
    if onion is None:
        return None
    if not isinstance(onion, str) or not _ONION.match(onion):
        raise EditionError(f"site onion {onion!r} is not a v3 onion host")
    return onion


def make_resource(path: str, entry: dict[str, Any], blob: Callable[[str, int], bytes],
                  status: int = 200, onion: str | None = None) -> Resource:
    """Build every head of one manifest entry. `blob(sha, size)` gives the bytes."""
    where = f"manifest path {path!r}"
    try:
        ctype = _value(entry["type"], where)
        cache = _value(entry.get("cache") or "public, max-age=60", where)
        lang = entry.get("lang")
        if lang is not None:
            lang = sys.intern(_value(lang, where))
        encodings = [("identity", entry)] + [(name, entry[name]) for name in ("gzip", "br")
                                             if entry.get(name)]
        extra = entry.get("headers") or {}
    except (KeyError, TypeError) as exc:
        raise EditionError(f"{where}: incomplete entry ({exc})") from exc
    rangeable = not entry.get("gzip") and not entry.get("br") and ctype.lower().startswith(
        _RANGE_PREFIXES)
    lines = [f"Content-Type: {ctype}\r\n"]
    if lang:
        lines.append(f"Content-Language: {lang}\r\n")
    for name, value in sorted(extra.items()):
        if not _TOKEN.match(str(name)) or name.lower() in _OWN_HEADERS:
            raise EditionError(f"{where}: header {name!r} cannot come from a manifest")
        lines.append(f"{name}: {_value(value, where)}\r\n")
    if onion and ctype.startswith("text/html"):
        # Tor Browser offers the onion service for this very page (readers on an exit).
        lines.append(f"Onion-Location: http://{onion}{path}\r\n")
    # nosniff: a signed blob is served with the type the manifest gives it, always.
    lines.append("X-Content-Type-Options: nosniff\r\n")
    if rangeable:
        lines.append("Accept-Ranges: bytes\r\n")
    common = "".join(lines).encode("latin-1", "strict")
    cache_line = f"Cache-Control: {cache}\r\n".encode("latin-1")
    vary = b"Vary: Accept-Encoding\r\n" if len(encodings) > 1 else b""
    revalidate = _share(cache_line + vary)
    first = status_line(status)
    variants: dict[str, Variant] = {}
    for encoding, info in encodings:
        try:
            sha, size = str(info["blob"]), int(info["size"])
        except (KeyError, TypeError, ValueError) as exc:
            raise EditionError(f"{where}: bad {encoding} variant") from exc
        body = blob(sha, size)
        etag = _etag(entry.get("etag") if status == 200 else None, sha, encoding)
        coding = b"" if encoding == "identity" else f"Content-Encoding: {encoding}\r\n".encode()
        head = (first + common + coding + b"Content-Length: " + str(len(body)).encode()
                + b"\r\nETag: " + etag + b"\r\n" + revalidate)
        variants[encoding] = Variant(head, body, etag, revalidate, encoding)
    return Resource(variants, rangeable, common + cache_line if rangeable else b"", lang,
                    fingerprint(entry))


@dataclass
class Edition:
    """What the edge serves; replaced whole (one reference) on a switch."""

    id: str
    languages: tuple[str, ...]
    default_language: str
    paths: dict[bytes, Resource]  # exactly as the manifest spells them
    decoded: dict[str, Resource]  # percent-decoded, for the paths that had escapes
    redirects: dict[bytes, bytes]  # path → the whole redirect head
    not_found: dict[str, Resource]  # language → the edition's own 404 page, if any
    count: int
    # Kept for the next load, so unchanged blobs and paths are reused.
    blobs: dict[str, bytes] = field(default_factory=dict)
    entries: dict[str, Resource] = field(default_factory=dict)
    # A patch edition's full base (what the next patch applies to); None when full.
    base: Edition | None = None
    # The manifest entries of the paths that may hold a 404 page (_NOT_FOUND_PATHS).
    raw404: dict[str, dict[str, Any]] = field(default_factory=dict)
    # What answers searches (shield/search.py, set by the loader); None: the origin does.
    search: Any = None
    onion: str | None = None  # the site's onion host, in every HTML head

    def find(self, path: str) -> Resource | None:
        """By decoded path (the slow path, after normalisation)."""
        return self.paths.get(path.encode("utf-8")) or self.decoded.get(path)

    @property
    def full(self) -> Edition:
        """The full edition a patch would be written against."""
        return self.base or self


def _is_404_path(path: str) -> bool:
    return path == "/404.html" or path.endswith(("/404/", "/404.html")) and path.count("/") <= 3


def _not_found_pages(raw404: dict[str, dict[str, Any]], languages: tuple[str, ...],
                     blob: Callable[[str, int], bytes]) -> dict[str, Resource]:
    """The builder's own 404 page, if it made one: per language at /<lang>/404/ or
    /<lang>/404.html, or one for all at /404.html. Served with status 404."""
    pages: dict[str, Resource] = {}
    shared = raw404.get("/404.html")
    for lang in languages:
        entry = raw404.get(f"/{lang}/404/") or raw404.get(f"/{lang}/404.html") or shared
        if entry:
            pages[lang] = make_resource(f"/{lang}/404", entry, blob, status=404)
    return pages


def build(edition_id: str, manifest: dict[str, Any], blob: Callable[[str, int], bytes],
          previous: Edition | None = None, base: Edition | None = None) -> Edition:
    """The servable form of a verified manifest. `blob(sha, size)` returns the
    (checked) bytes of a blob; previous editions' blobs are reused first.

    A patch (format 2) needs `base`, the full edition it names: its paths are
    copied (a dict copy, not a rebuild) and the patch's few entries applied, so
    publishing one article costs the edge milliseconds at any site size."""
    fmt = manifest.get("format")
    if fmt == 2:
        if base is None or base.id != manifest.get("base") or base.base is not None:
            raise EditionError(f"patch on {str(manifest.get('base'))[:12]} without that "
                               "full edition")
    elif fmt != 1:
        raise EditionError(f"manifest format {fmt!r} is neither 1 nor 2")
    else:
        base = None
    site = manifest.get("site") or {}
    languages = tuple(site.get("languages") or ("es", "en"))
    default = site.get("default_language") or languages[0]
    onion = onion_of(site)
    if base is not None and base.onion != onion:
        raise EditionError("a patch cannot change the site's onion address; a full build can")
    if previous is not None and previous.onion != onion:
        previous = None  # every page's head changes: reuse none of the old ones
    blobs: dict[str, bytes] = dict(base.blobs) if base else {}
    old_blobs = previous.blobs if previous else {}

    def shared_blob(sha: str, size: int) -> bytes:
        data = blobs.get(sha)
        if data is None or len(data) != size:
            data = old_blobs.get(sha)
            if data is None or len(data) != size:
                data = blob(sha, size)
            blobs[sha] = data
        return data

    old_entries = previous.entries if previous else {}
    entries: dict[str, Resource] = dict(base.entries) if base else {}
    paths: dict[bytes, Resource] = dict(base.paths) if base else {}
    decoded: dict[str, Resource] = dict(base.decoded) if base else {}
    raw404 = dict(base.raw404) if base else {}
    raw_paths = manifest.get("paths")
    if not isinstance(raw_paths, dict):
        raise EditionError("manifest has no paths")
    for path in manifest.get("removed") or () if base else ():
        if isinstance(path, str) and entries.pop(path, None) is not None:
            paths.pop(path.encode("utf-8"), None)
            decoded.pop(unquote(path), None)
            raw404.pop(path, None)
    for path, entry in raw_paths.items():
        if not isinstance(path, str) or not path.startswith("/") or not isinstance(entry, dict):
            raise EditionError(f"manifest path {path!r} is not a URL path")
        old = old_entries.get(path)
        if old is not None and old.key == fingerprint(entry):
            resource = old
            for variant in resource.variants:  # keep its blobs alive in this edition too
                blobs.setdefault(_blob_key(entry, variant.encoding), variant.body)
        else:
            resource = make_resource(path, entry, shared_blob, onion=onion)
        entries[path] = resource
        paths[path.encode("utf-8")] = resource
        if "%" in path:
            decoded[unquote(path)] = resource
        if _is_404_path(path):
            raw404[path] = entry
    public_key = site.get("public_key")
    if public_key and PUBLIC_KEY_PATH not in entries:
        # Mirrors publish the key here (EDITIONS.md); the edge does the same.
        data = (str(public_key) + "\n").encode()
        paths[PUBLIC_KEY_PATH.encode()] = make_resource(
            PUBLIC_KEY_PATH, {"blob": hashlib.sha256(data).hexdigest(), "size": len(data),
                              "type": "text/plain; charset=utf-8"}, lambda _s, _n: data)
    redirects: dict[bytes, bytes] = {}
    for source, target in (manifest.get("redirects") or {}).items():
        if source in entries:
            continue  # a real page wins over a redirect (as in an export)
        target = _value(target, f"redirect {source!r}")
        # 302: the default language is a choice that may change; a 301 would stick.
        redirects[source.encode("utf-8")] = (
            status_line(302) + b"Location: " + target.encode("utf-8")
            + b"\r\nContent-Length: 0\r\nCache-Control: public, max-age=60\r\n")
    return Edition(
        id=edition_id, languages=languages, default_language=default, paths=paths,
        decoded=decoded, redirects=redirects,
        not_found=_not_found_pages(raw404, languages, shared_blob),
        count=len(entries), blobs=blobs, entries=entries, base=base, raw404=raw404,
        onion=onion,
    )


def _blob_key(entry: dict[str, Any], encoding: str) -> str:
    return str(entry["blob"] if encoding == "identity" else entry[encoding]["blob"])
