"""A small synthetic edition written straight in the on-disk format of
docs/EDITIONS.md, signed with a key made for the test: export and verify are
tested against the format itself, not against whatever the builder does."""

from __future__ import annotations

import gzip
import hashlib
import json
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import brotli
import pytest
from nacl.signing import SigningKey

ORIGIN = "https://example.org"
HTML = "text/html; charset=utf-8"


def _page(title: str, body: str, lang: str = "es") -> bytes:
    # Padded so that gzip and br are smaller than the page, as on a real site.
    filler = "<p>" + "Asambleas, consejos comunales y sindicatos debaten. " * 12 + "</p>"
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        '<link rel="stylesheet" href="/static/altavoz/site.css">'
        f'<link rel="alternate" type="application/atom+xml" href="/{lang}/feed/">'
        f'</head><body><form role="search" method="get" action="/{lang}/search/">'
        f'<input name="q"></form>{body}{filler}</body></html>'
    ).encode()


FRONT = _page("Portada", (
    '<a href="/es/article/asamblea-campesina/">Asamblea campesina</a> '
    '<a href="/es/page/2/">Siguiente</a> <a href="/en/">English</a> '
    '<a href="/sitemap.xml">Mapa</a> <a href="//cdn.example/x">externo</a> '
    '<img src="/media/foto.png" srcset="/media/foto.png 1x, /media/foto.png 2x" alt="">'
))
PAGES: dict[str, tuple[str, bytes]] = {
    "/es/": (HTML, FRONT),
    "/es/page/2/": (HTML, _page("Página 2", '<a href="/es/">Portada</a>')),
    "/es/article/asamblea-campesina/": (HTML, _page("Asamblea campesina", (
        f'<a href="{ORIGIN}/es/">enlace absoluto</a> <a href="/es/">Portada</a> '
        '<a href="/api/v1/articles">API</a>'
    ))),
    "/en/": (HTML, _page("Front page", '<a href="/es/">Español</a>', lang="en")),
    "/es/feed/": ("application/atom+xml; charset=utf-8", (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f'<title>altavoz</title><link href="{ORIGIN}/es/" rel="alternate"/>'
        f'<id>{ORIGIN}/es/</id><updated>2026-11-29T14:00:00Z</updated>'
        f'<entry><title>Asamblea campesina</title>'
        f'<link href="{ORIGIN}/es/article/asamblea-campesina/" rel="alternate"/>'
        f'<id>{ORIGIN}/es/article/asamblea-campesina/</id>'
        '<updated>2026-11-29T14:00:00Z</updated></entry></feed>\n'
    ).encode()),
    "/en/feed/": ("application/atom+xml; charset=utf-8", (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f'<title>altavoz</title><id>{ORIGIN}/en/</id>'
        '<updated>2026-11-29T14:00:00Z</updated></feed>\n'
    ).encode()),
    "/sitemap.xml": ("application/xml", (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(f"<url><loc>{ORIGIN}{p}</loc></url>"
                  for p in ("/es/", "/en/", "/es/article/asamblea-campesina/"))
        + "</urlset>\n"
    ).encode()),
    "/robots.txt": ("text/plain; charset=utf-8",
                    f"User-agent: *\nAllow: /\nSitemap: {ORIGIN}/sitemap.xml\n".encode()),
    "/static/altavoz/site.css": ("text/css", b"body{font:1rem/1.5 serif;max-width:40rem}\n" * 20),
    "/media/foto.png": ("image/png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4),
    "/api/v1/articles": ("application/json", json.dumps({
        "items": [{"title": "/asamblea: a title, not a link",
                   "url": f"{ORIGIN}/es/article/asamblea-campesina/",
                   "api_url": "/api/v1/articles/es/asamblea-campesina"}],
        "next": None,
    }).encode()),
    "/api/v1/articles/es/asamblea-campesina": ("application/json", json.dumps({
        "title": "Asamblea campesina", "url": "/es/article/asamblea-campesina/",
    }).encode()),
}


@dataclass
class Edition:
    """A home holding signed editions; `publish` makes the next one."""

    home: Path
    key: SigningKey
    pages: dict[str, tuple[str, bytes]] = field(default_factory=lambda: dict(PAGES))
    id: str = ""
    manifest: dict = field(default_factory=dict)
    manifest_bytes: bytes = b""

    @property
    def public_key(self) -> str:
        return self.key.verify_key.encode().hex()

    def blob(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        path = self.home / "editions" / "blobs" / sha[:2] / sha
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return sha

    def publish(self, changes: dict[str, bytes | None] | None = None) -> str:
        """Apply {url path: new bytes, or None to drop it}; make that the current edition."""
        for path, data in (changes or {}).items():
            if data is None:
                self.pages.pop(path)
            else:
                self.pages[path] = (self.pages.get(path, (HTML, b""))[0], data)
        paths = {}
        for path, (ctype, data) in self.pages.items():
            sha = self.blob(data)
            info = {"blob": sha, "size": len(data), "type": ctype, "etag": f'"{sha[:32]}"',
                    "cache": "public, max-age=60", "headers": {},
                    "lang": path[1:3] if path[1:4] in ("es/", "en/") else None}
            textual = ctype.startswith("text/") or "xml" in ctype or "json" in ctype
            for name, packed in (("gzip", gzip.compress(data, 9, mtime=0)),
                                 ("br", brotli.compress(data))):
                if textual and len(packed) < len(data):
                    info[name] = {"blob": self.blob(packed), "size": len(packed)}
            paths[path] = info
        manifest = {
            "format": 1, "created": "2026-11-29T14:00:00Z", "previous": self.id or None,
            "site": {"name": "altavoz", "base_url": ORIGIN, "languages": ["es", "en"],
                     "default_language": "es", "public_key": self.public_key},
            "redirects": {"/": "/es/"},
            "search_index": {"blob": self.blob(b"search index"), "size": 12},
            "paths": paths,
        }
        data = json.dumps(manifest, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode()
        self.id = hashlib.sha256(data).hexdigest()
        manifests = self.home / "editions" / "manifests"
        manifests.mkdir(parents=True, exist_ok=True)
        (manifests / f"{self.id}.json").write_bytes(data)
        (manifests / f"{self.id}.sig").write_text(self.key.sign(data).signature.hex() + "\n")
        (self.home / "editions" / "current").write_text(self.id + "\n")
        self.manifest, self.manifest_bytes = manifest, data
        return self.id


@pytest.fixture
def edition(tmp_path: Path) -> Edition:
    made = Edition(home=tmp_path / "home", key=SigningKey.generate())
    made.publish()
    return made


@pytest.fixture
def exported(edition: Edition, tmp_path: Path) -> Path:
    from altavoz.editions.export import export

    target = tmp_path / "mirror"
    export(edition.home, target)
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(process: subprocess.Popen, port: int, what: str,
                  log: Callable[[], str] = lambda: "") -> None:
    """Until `process` accepts connections on loopback `port`; a failure if it exits
    first or takes more than ten seconds, with what it said."""
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{what} did not start: {process.stdout.read().decode()} {log()}")
            time.sleep(0.05)


def inodes(root: Path) -> dict[str, int]:
    """relative name → inode: a file an export rewrote (temp + rename) has a new inode."""
    return {p.relative_to(root).as_posix(): p.stat().st_ino for p in root.rglob("*")
            if p.is_file()}
