"""Editions written straight to disk, as docs/EDITIONS.md defines them.

The edge's tests do not go through the builder (it needs a database and
Django): they write blobs, a canonical manifest, its signature and `current`
by hand. That also checks the edge against the format's definition rather than
against one implementation of it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import random
from dataclasses import dataclass, field
from pathlib import Path

import brotli
from nacl.signing import SigningKey

HTML = "text/html; charset=utf-8"


@dataclass
class Page:
    body: bytes
    type: str = HTML
    lang: str | None = None
    cache: str = "public, max-age=60"
    headers: dict[str, str] = field(default_factory=dict)
    compress: bool = True


def make_home(root: Path) -> tuple[Path, SigningKey]:
    home = root / "home"
    (home / "keys").mkdir(parents=True, exist_ok=True)
    (home / "editions").mkdir(parents=True, exist_ok=True)
    key = SigningKey.generate()
    (home / "keys" / "signing.key").write_text(key.encode().hex())
    (home / "keys" / "signing.pub").write_text(key.verify_key.encode().hex() + "\n")
    return home, key


def _put(home: Path, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    path = home / "editions" / "blobs" / sha[:2] / sha
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(".tmp-" + sha)
        temp.write_bytes(data)
        os.replace(temp, path)
    return sha


def article_html(title: str, lang: str = "es", size: int = 15000) -> bytes:
    """A page shaped like an article: markup and prose that compress like real text
    (about 3:1), so the variants' sizes are realistic."""
    rng = random.Random(title)
    vocabulary = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyzáéíóúñ") for _ in range(rng.randint(2, 11)))
        for _ in range(800)]
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]  # Zipf, like prose
    paragraphs = []
    count = 0
    while count < size:
        text = " ".join(rng.choices(vocabulary, weights, k=rng.randint(40, 90)))
        paragraphs.append(f'<p class="body">{text.capitalize()}.</p>\n')
        count += len(paragraphs[-1].encode())
    html = (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{title}</title>"
            f'<link rel="alternate" type="application/atom+xml" href="/{lang}/feed/">'
            f'</head><body><form role="search" method="get" action="/{lang}/search/">'
            f'<input name="q"></form><article><h1>{title}</h1>{"".join(paragraphs)}'
            "</article></body></html>\n")
    return html.encode()


def default_pages() -> dict[str, Page]:
    media = bytes(range(256)) * 200  # 51,200 bytes, not compressible in spirit
    return {
        "/es/": Page(article_html("Portada", "es", 12000), lang="es"),
        "/en/": Page(article_html("Front page", "en", 12000), lang="en"),
        "/es/about/": Page(article_html("Acerca de", "es", 3000), lang="es"),
        "/es/article/asamblea/": Page(article_html("Asamblea campesina", "es"), lang="es"),
        "/en/article/assembly/": Page(article_html("Peasant assembly", "en"), lang="en"),
        "/es/search/": Page(article_html("Buscar", "es", 1000), lang="es"),
        "/es/feed/": Page(b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'
                          + b"<title>altavoz</title>" * 30 + b"</feed>",
                          type="application/atom+xml; charset=utf-8", lang="es"),
        "/robots.txt": Page(b"User-agent: *\nAllow: /\n", type="text/plain; charset=utf-8"),
        "/api/v1/articles": Page(b'{"items": []}' * 40, type="application/json"),
        "/media/a/photo.jpg": Page(media, type="image/jpeg", compress=False,
                                   cache="public, max-age=31536000, immutable"),
        "/es/caf%C3%A9/": Page(article_html("Café", "es", 800), lang="es"),
    }


def write_edition(home: Path, key: SigningKey, pages: dict[str, Page] | None = None,
                  redirects: dict[str, str] | None = None, previous: str | None = None,
                  make_current: bool = True, sign_with: SigningKey | None = None,
                  base: str | None = None, removed: list[str] | None = None) -> str:
    """A signed edition; with `base`, a patch (format 2): `pages` are then the
    paths that differ from that full edition, `removed` those it drops."""
    pages = default_pages() if pages is None else pages
    paths = {}
    for path, page in pages.items():
        entry = {"blob": _put(home, page.body), "size": len(page.body), "type": page.type,
                 "lang": page.lang, "cache": page.cache, "headers": dict(page.headers)}
        entry["etag"] = f'"{entry["blob"][:32]}"'
        if page.compress:
            for name, data in (("gzip", gzip.compress(page.body, 9, mtime=0)),
                               ("br", brotli.compress(page.body, quality=5))):
                if len(data) < len(page.body):
                    entry[name] = {"blob": _put(home, data), "size": len(data)}
        paths[path] = entry
    index = b"SQLite format 3\x00 (not used by milestone 1)"
    manifest = {
        "format": 1, "created": "2026-11-29T14:00:00Z", "previous": previous,
        "site": {"name": "altavoz", "base_url": "https://example.org",
                 "languages": ["es", "en"], "default_language": "es",
                 "public_key": key.verify_key.encode().hex()},
        "redirects": {"/": "/es/"} if redirects is None else redirects,
        "search_index": {"blob": _put(home, index), "size": len(index)},
        "paths": paths,
    }
    if base is not None:
        manifest.update(format=2, base=base, removed=sorted(removed or []))
    data = json.dumps(manifest, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()
    edition = hashlib.sha256(data).hexdigest()
    manifests = home / "editions" / "manifests"
    manifests.mkdir(parents=True, exist_ok=True)
    (manifests / f"{edition}.json").write_bytes(data)
    signature = (sign_with or key).sign(data).signature.hex()
    (manifests / f"{edition}.sig").write_text(signature + "\n")
    if make_current:
        set_current(home, edition)
    return edition


def set_current(home: Path, edition: str) -> None:
    current = home / "editions" / "current"
    temp = current.with_name(".tmp-current")
    temp.write_text(edition + "\n")
    os.replace(temp, current)
