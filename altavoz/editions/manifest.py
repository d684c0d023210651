"""The manifest of an edition (docs/EDITIONS.md, format 1): what it holds, and
its canonical bytes, whose sha256 is the edition's id and which the site key signs.

Canonical means one byte sequence per content: sorted keys, no spaces, UTF-8
as is. Anyone can re-encode a parsed manifest and get the same bytes back, so
the id and the signature are checkable without our code.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

FORMAT = 1
# A patch: the paths that differ from a full (format 1) base manifest, named by
# id. Publishing one article writes a few kilobytes instead of the whole site's
# manifest (hundreds of megabytes at 100,000 articles); see docs/EDITIONS.md.
PATCH_FORMAT = 2


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def edition_id(manifest_bytes: bytes) -> str:
    return hashlib.sha256(manifest_bytes).hexdigest()


def etag(blob: str) -> str:
    # 128 bits of the content hash: unique enough, and half the header bytes.
    return f'"{blob[:32]}"'


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Variant:
    """A stored content: a blob's sha256 and its size in bytes."""

    blob: str
    size: int

    def to_json(self) -> dict[str, Any]:
        return {"blob": self.blob, "size": self.size}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Variant:
        return cls(blob=data["blob"], size=int(data["size"]))


@dataclass(frozen=True)
class PathEntry:
    """One URL path: its identity bytes, headers and smaller encodings."""

    blob: str
    size: int
    type: str
    cache: str
    lang: str | None = None  # None: a language-neutral resource (feed index, CSS, API)
    gzip: Variant | None = None
    br: Variant | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def etag(self) -> str:
        return etag(self.blob)

    def blobs(self) -> list[str]:
        return [self.blob] + [v.blob for v in (self.gzip, self.br) if v is not None]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "blob": self.blob, "size": self.size, "type": self.type, "lang": self.lang,
            "etag": self.etag, "cache": self.cache, "headers": dict(self.headers),
        }
        # Absent, not null, when not smaller than the identity bytes (EDITIONS.md).
        if self.gzip is not None:
            data["gzip"] = self.gzip.to_json()
        if self.br is not None:
            data["br"] = self.br.to_json()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PathEntry:
        return cls(
            blob=data["blob"], size=int(data["size"]), type=data["type"], cache=data["cache"],
            lang=data.get("lang"),
            gzip=Variant.from_json(data["gzip"]) if data.get("gzip") else None,
            br=Variant.from_json(data["br"]) if data.get("br") else None,
            headers=dict(data.get("headers") or {}),
        )


@dataclass(frozen=True)
class Site:
    name: str
    base_url: str
    languages: list[str]
    default_language: str
    public_key: str
    onion: str | None = None  # the site's onion service host: edges send Onion-Location

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name, "base_url": self.base_url, "languages": list(self.languages),
            "default_language": self.default_language, "public_key": self.public_key}
        if self.onion:  # absent, not null, when unset: older editions keep their bytes
            data["onion"] = self.onion
        return data


@dataclass
class Manifest:
    site: Site
    paths: dict[str, PathEntry]
    search_index: Variant
    redirects: dict[str, str] = field(default_factory=dict)
    previous: str | None = None
    created: str = field(default_factory=utc_now)
    # A patch: `paths` holds only what differs from the full manifest `base`,
    # and `removed` the base's paths this edition no longer has.
    base: str | None = None
    removed: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": FORMAT,
            "created": self.created,
            "previous": self.previous,
            "site": self.site.to_json(),
            "redirects": dict(self.redirects),
            "search_index": self.search_index.to_json(),
            "paths": {path: entry.to_json() for path, entry in self.paths.items()},
        }
        if self.base is not None:
            data.update(format=PATCH_FORMAT, base=self.base, removed=sorted(self.removed))
        return data

    def encode(self) -> bytes:
        return canonical(self.to_json())


class ManifestError(ValueError):
    """A manifest that cannot be read as an edition; the message says why."""


def is_patch(data: dict[str, Any]) -> bool:
    return data.get("format") == PATCH_FORMAT


def resolve(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """The full (format 1) content of a patch on its base: what every reader of
    a whole edition (export, verify, the edge) works on. Neither is changed."""
    if base.get("format") != FORMAT:
        raise ManifestError(f"the base of a patch must be a full manifest (format {FORMAT})")
    paths = dict(base.get("paths") or {})
    for path in patch.get("removed") or ():
        paths.pop(path, None)
    paths.update(patch.get("paths") or {})
    resolved = {key: value for key, value in patch.items() if key not in {"base", "removed"}}
    resolved.update(format=FORMAT, paths=dict(sorted(paths.items())))
    return resolved


def check_format(data: dict[str, Any]) -> None:
    if data.get("format") not in {FORMAT, PATCH_FORMAT}:
        raise ManifestError(f"unknown manifest format {data.get('format')!r}; this altavoz "
                            f"reads formats {FORMAT} (full) and {PATCH_FORMAT} (patch)")
    if is_patch(data) and not re.fullmatch(r"[0-9a-f]{64}", str(data.get("base"))):
        raise ManifestError("a patch manifest must name its base edition")


def referenced_blobs(data: dict[str, Any]) -> set[str]:
    """Every blob a parsed manifest needs: what GC keeps and verify checks."""
    found: set[str] = set()
    index = data.get("search_index")
    if index:
        found.add(index["blob"])
    for entry in data.get("paths", {}).values():
        found.add(entry["blob"])
        for encoding in ("gzip", "br"):
            if entry.get(encoding):
                found.add(entry[encoding]["blob"])
    return found


# In canonical JSON a quote inside a string is always escaped (\"), so these
# match keys and values only, never text inside a path or a header. Scanning
# the bytes spares parsing a manifest of 300,000 paths (~1 GB of Python objects)
# when only its blob names are wanted.
_BLOB = re.compile(rb'"blob":"([0-9a-f]{64})"')
_PREVIOUS = re.compile(rb'"previous":(?:"([0-9a-f]{64})"|null)')
_BASE = re.compile(rb'"base":"([0-9a-f]{64})"')
_ENTRY = re.compile(
    rb'\{"blob":"([0-9a-f]{64})",'
    rb'(?:"br":\{"blob":"([0-9a-f]{64})","size":([0-9]+)\},)?'
    rb'"cache":"(?:[^"\\]|\\.)*","etag":"(?:[^"\\]|\\.)*",'
    rb'(?:"gzip":\{"blob":"([0-9a-f]{64})","size":([0-9]+)\},)?"headers":'
)


def scan_blobs(manifest_bytes: bytes) -> set[str]:
    """referenced_blobs() of canonical manifest bytes, without parsing them."""
    return {m.decode() for m in _BLOB.findall(manifest_bytes)}


def scan_previous(manifest_bytes: bytes) -> str | None:
    # The top-level key sorts after "paths": the last match is the one.
    found = _PREVIOUS.findall(manifest_bytes)
    return found[-1].decode() if found and found[-1] else None


def scan_base(manifest_bytes: bytes) -> str | None:
    """A patch's base id. Top-level "base" sorts before "created" and "format",
    and any "base" inside a path or header would be an escaped string: the
    first match, if the manifest is a patch, is it."""
    if b'"format":2' not in manifest_bytes:
        return None
    found = _BASE.search(manifest_bytes)
    return found.group(1).decode() if found else None


Variants = tuple[Variant | None, Variant | None]


def variants_by_blob(manifest_bytes: bytes) -> dict[str, Variants]:
    """identity blob → (gzip, br) as a previous manifest recorded them, so an
    unchanged page is not compressed again (brotli 11 is most of a cold
    build's time). Read from the canonical bytes, like scan_blobs()."""
    known: dict[str, Variants] = {}
    for blob, br, br_size, gz, gz_size in _ENTRY.findall(manifest_bytes):
        known[blob.decode()] = (
            Variant(gz.decode(), int(gz_size)) if gz else None,
            Variant(br.decode(), int(br_size)) if br else None,
        )
    return known
