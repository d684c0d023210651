"""An export served by a real nginx (Debian's) is the whole site: every link a
reader can follow from the front page answers 200 with the signed bytes, and
`altavoz verify` over HTTP agrees. nginx is a system dependency (`make
system-deps` installs it): a missing nginx fails here, it does not skip."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from altavoz.editions import layout
from altavoz.editions.export import export
from altavoz.editions.origin_links import for_export
from altavoz.editions.verify import verify
from tests.editions.conftest import ORIGIN, Edition, free_port, wait_for_port

MIME_TYPES = Path("/etc/nginx/mime.types")
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")


def nginx_binary() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if not found or not MIME_TYPES.exists():
        pytest.fail("nginx is not installed: run `make system-deps` (Debian: apt-get install "
                    "nginx). The static-mirror test needs a real static web server.")
    return found


def nginx_conf(tmp: Path, root: Path, port: int) -> str:
    # The configuration docs/EDITIONS.md recommends, plus what a test needs
    # (foreground, one process, everything inside tmp).
    brotli = "brotli_static on;" if BROTLI_MODULE.exists() else ""
    load = f"load_module {BROTLI_MODULE};" if brotli else ""
    temps = "\n".join(f"{name}_temp_path {tmp}/{name};"
                      for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""
{load}
daemon off;
master_process off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
    include {MIME_TYPES};
    default_type application/octet-stream;
    access_log off;
    {temps}
    charset utf-8;
    charset_types text/html text/xml text/plain text/css application/json;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        index index.html index.xml index.json index.txt;
        gzip_static on;
        {brotli}
        # Explicit index files, not "$uri/": that would answer "/api/v1/articles" with a
        # 301 to ".../articles/" instead of the JSON.
        location / {{
            try_files $uri $uri/index.html $uri/index.xml $uri/index.json $uri/index.txt =404;
        }}
    }}
}}
"""


@contextmanager
def nginx(root: Path, tmp: Path) -> Iterator[str]:
    binary = nginx_binary()
    port = free_port()
    tmp.mkdir(parents=True, exist_ok=True)
    conf = tmp / "nginx.conf"
    conf.write_text(nginx_conf(tmp, root, port))
    process = subprocess.Popen([binary, "-p", str(tmp), "-c", str(conf)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for_port(process, port, "nginx", lambda: (tmp / "error.log").read_text()
                      if (tmp / "error.log").exists() else "")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and name in ("href", "src"):
                self.links.append(value)
            elif value and name == "srcset":
                self.links += [part.split()[0] for part in value.split(",") if part.strip()]


def links_in(body: bytes, content_type: str) -> list[str]:
    """Links a reader (or a feed reader, or a crawler) follows: not form actions."""
    if "html" in content_type:
        parser = _Links()
        parser.feed(body.decode("utf-8", "replace"))
        links = parser.links
        # The page a static host serves instead of a redirect.
        links += re.findall(r'http-equiv="refresh" content="0; url=([^"]+)"', body.decode())
        return links
    if "xml" in content_type:
        found = re.findall(r'href="([^"]+)"|<loc>([^<]+)</loc>', body.decode())
        return [href or loc for href, loc in found]
    if "json" in content_type:
        return list(_json_links(json.loads(body)))
    return []


def _json_links(value) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and re.fullmatch(r"[a-z_]*url|next|previous|openapi", key):
                if item.startswith(("/", "http")):  # "openapi": "3.1.0" is a version
                    yield item
            else:
                yield from _json_links(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_links(item)


def fetch(url: str, **headers: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                    timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def crawl(server: str, start: str, site_bases: list[str]) -> dict[str, tuple[int, dict, bytes]]:
    """Every page reachable from `start`; links to `site_bases` count as the site's own."""
    seen: dict[str, tuple[int, dict, bytes]] = {}
    queue = [start]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen[path] = status, headers, body = fetch(server + path)
        if status != 200:
            continue
        for link in links_in(body, headers.get("Content-Type", "")):
            absolute = urljoin(server + path, link)
            for base in [server, *site_bases]:
                if absolute.startswith(base.rstrip("/") + "/"):
                    target = "/" + absolute[len(base.rstrip("/")) + 1:]
                    queue.append(urlsplit(target)._replace(fragment="").geturl())
                    break
    return seen


def _blob(edition: Edition, sha: str) -> bytes:
    return (edition.home / "editions" / "blobs" / sha[:2] / sha).read_bytes()


def test_nginx_serves_the_export_as_the_whole_site(edition: Edition, exported: Path,
                                                   tmp_path: Path):
    paths = edition.manifest["paths"]
    with nginx(exported, tmp_path / "nginx") as server:
        pages = crawl(server, "/", [ORIGIN])
        broken = {path: status for path, (status, _h, _b) in pages.items() if status != 200}
        assert broken == {}
        # Everything but robots.txt, which no page links to, was reached.
        assert set(paths) - set(pages) == {"/robots.txt"}
        for path, (_status, headers, body) in pages.items():
            if path == "/":
                assert body == layout.redirect_page("/es/", "", "altavoz")
                continue
            info = paths[unquote(path)]
            assert body == _blob(edition, info["blob"]), path
            served, signed = headers["Content-Type"], layout.mime(info["type"])
            # nginx's mime.types says text/xml for .xml: a family, not the exact type.
            assert served.split(";")[0] == signed or ("xml" in served and "xml" in signed), path

        # gzip_static: a reader who accepts gzip gets the precompressed file as is.
        for path in ("/es/", "/api/v1/articles"):
            status, headers, body = fetch(server + path, **{"Accept-Encoding": "gzip"})
            assert headers.get("Content-Encoding") == "gzip"
            assert body == _blob(edition, paths[path]["gzip"]["blob"])

        report = verify(server + "/", edition.public_key)
        assert report.findings == [] and report.identical == report.checked
        assert any("cannot be listed over HTTP" in note for note in report.notes)

        page = exported / "es/article/asamblea-campesina/index.html"
        page.write_bytes(page.read_bytes().replace(b"Asamblea", b"Asamblia"))
        (exported / "es/feed/index.xml").unlink()
        found = {(f.kind, f.where) for f in verify(server + "/", edition.public_key).findings}
        assert found == {
            ("changed", "/es/article/asamblea-campesina/ "
                        "(es/article/asamblea-campesina/index.html)"),
            ("missing", "/es/feed/ (es/feed/index.xml)"),
        }


def test_nginx_serves_a_rewritten_export_under_a_path_prefix(edition: Edition,
                                                             tmp_path: Path):
    www = tmp_path / "www"
    with nginx(www, tmp_path / "nginx") as server:
        base = f"{server}/altavoz/"
        export(edition.home, www / "altavoz", base_url=base)
        pages = crawl(server, "/altavoz/", [])
        assert {p: s for p, (s, _h, _b) in pages.items() if s != 200} == {}
        assert all(path.startswith("/altavoz/") for path in pages)
        reached = {path.removeprefix("/altavoz") for path in pages}
        assert set(edition.manifest["paths"]) - reached == {"/robots.txt"}

        report = verify(base, edition.public_key, expect_base_url=base)
        assert report.findings == []
        assert report.rewritten_for == base and report.rewritten > 0
        assert verify(base, edition.public_key).findings == []

        # Rewritten for one address, served at another: its links lead away from it.
        export(edition.home, www / "altavoz", base_url="https://evil.example/altavoz/")
        [finding] = verify(base, edition.public_key).findings
        assert finding.detail == (f"export rewritten for https://evil.example/altavoz/, "
                                  f"but served at {base}")


# --- end to end: a seeded site, built by `altavoz build` -------------------------------

# Pages only the origin answers (they write, or need a session). A static mirror
# cannot serve them: its readers get a 404 there, and everything else is 200.
ORIGIN_ONLY = re.compile(r"^/(es|en)/(write|account|editor)/|^/(es|en)/article/[^/]+/comment/$")


def _altavoz(site: dict, *args: str) -> subprocess.CompletedProcess:
    from tests.editions.site import run

    result = run(site["home"], *args, env={"ALTAVOZ_DATABASE_URL": site["db"]}, timeout=300)
    assert result.returncode == 0, f"altavoz {' '.join(args)}: {result.stderr}{result.stdout}"
    return result


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Iterator[dict]:
    """A seeded home with one built edition, on the suite's database backend
    (PostgreSQL in its own database, altavoz_export, when the suite runs on it)."""
    db = os.environ.get("ALTAVOZ_DATABASE_URL", "")
    admin = None
    if db.startswith("postgres"):
        import psycopg

        admin = db.rsplit("/", 1)[0] + "/postgres"
        db = db.rsplit("/", 1)[0] + "/altavoz_export"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "altavoz_export" WITH (FORCE)')
            conn.execute('CREATE DATABASE "altavoz_export"')
    site = {"home": tmp_path_factory.mktemp("site") / "home", "db": db}
    _altavoz(site, "init")
    _altavoz(site, "seed", "--articles", "12")
    _altavoz(site, "build")
    site["key"] = (site["home"] / "keys" / "signing.pub").read_text().strip()
    yield site
    if admin:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "altavoz_export" WITH (FORCE)')


def test_a_built_site_exported_and_served_by_nginx(built_site: dict, tmp_path: Path):
    from altavoz.editions import store

    out = tmp_path / "mirror"
    _altavoz(built_site, "export", str(out))
    verified = _altavoz(built_site, "verify", str(out), "--key", built_site["key"])
    assert "OK: every file" in verified.stdout

    home = built_site["home"]
    _bytes, manifest = store.read_manifest(home, store.current_id(home))
    paths = manifest["paths"]
    # The export sends forms and origin-only links to the origin (a static host cannot
    # answer them); apart from that every page is the signed one.
    to_origin = for_export(manifest, None, manifest["site"]["base_url"])
    with nginx(out, tmp_path / "nginx") as server:
        pages: dict[str, tuple[int, dict, bytes]] = {}
        for start in ("/", "/sitemap.xml", "/robots.txt", "/api/v1/", "/api/v1/articles"):
            pages.update(crawl(server, start, [manifest["site"]["base_url"]]))
        assert len(pages) > 100
        broken = {p: s for p, (s, _h, _b) in pages.items() if s != 200}
        assert {p: s for p, s in broken.items() if not ORIGIN_ONLY.search(p)} == {}
        assert not set(broken) & set(paths)
        # A static host ignores query strings; only the API's ?page= links have one.
        assert all(p.startswith("/api/v1/") for p in pages if "?" in p)
        for path, (status, headers, body) in pages.items():
            if status != 200 or "?" in path or path == "/":
                continue
            info = paths[unquote(path)]
            signed_bytes = store.blob_path(home, info["blob"]).read_bytes()
            if layout.rewritable(info["type"]):
                signed_bytes = to_origin.rewrite(signed_bytes, info["type"])
            assert body == signed_bytes, path
            served, signed = headers["Content-Type"].split(";")[0], layout.mime(info["type"])
            assert served == signed or ("xml" in served and "xml" in signed) or (
                signed.startswith("text/") and served == "application/octet-stream"), path

        report = verify(server + "/", built_site["key"])
        assert report.findings == [] and report.checked > len(paths)


def test_rebuilding_an_unchanged_site_changes_no_exported_page(built_site: dict, tmp_path: Path):
    out = tmp_path / "mirror"
    _altavoz(built_site, "export", str(out))
    _altavoz(built_site, "build")
    result = _altavoz(built_site, "export", str(out))
    assert "2 written" in result.stdout  # the new manifest and its signature, nothing else
