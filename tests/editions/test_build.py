"""A full build: every public path is in the edition with its exact bytes,
nothing private is, the signature holds, rebuilds reuse blobs, GC keeps what
the kept editions need. In-process on the test database (SQLite or
PostgreSQL), and once through `altavoz build` on a seeded home."""

from __future__ import annotations

import gzip
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import brotli
import pytest
from django.db import transaction
from django.test import override_settings
from nacl.signing import SigningKey

from altavoz.editions import paths, signing, store
from altavoz.editions.build import BuildReport, build
from altavoz.editions.manifest import referenced_blobs
from altavoz.editions.render import RenderError
from altavoz.home import initialise, public_key_hex
from tests.editions.site import (
    SmallSite,
    blobs_on_disk,
    make_small_site,
    run,
    seeded_template,
    sha256,
)

SHORT = "public, max-age=60"
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass
class Built:
    home: Path
    site: SmallSite
    report: BuildReport

    @property
    def manifest(self) -> dict:
        return store.read_manifest(self.home, self.report.edition)[1]


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Built]:
    """One small site, built once for the tests that only read the edition
    (a build compresses the admin's static files with brotli 11: seconds).
    Tests that write nest their own savepoint inside this transaction."""
    tmp = tmp_path_factory.mktemp("edition")
    home = tmp / "home"
    initialise(home)
    with (django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp / "media"),
          transaction.atomic()):
        site = make_small_site()
        yield Built(home, site, build(home))
        transaction.set_rollback(True)


def _blob(home: Path, sha: str) -> bytes:
    return store.blob_path(home, sha).read_bytes()


def test_every_public_path_is_in_the_edition_and_nothing_private(built: Built):
    home, site, manifest = built.home, built.site, built.manifest
    assert store.current_id(home) == built.report.edition
    found = manifest["paths"]
    es, en = site.es.get_absolute_url(), site.en.get_absolute_url()
    expected = [
        "/es/", "/en/", es, en, site.hidden.get_absolute_url(), f"{es}comments/feed/",
        "/es/feed/", "/es/feed/rss/", "/en/feed/", "/es/section/news/", "/es/section/news/feed/",
        "/es/tag/tierra/", "/es/tag/tierra/feed/", "/en/tag/tierra/feed/rss/",
        "/en/contributor/ana/", "/es/contributor/ana/feed/", "/es/contributor/ana/feed/rss/",
        "/es/section/news/feed/rss/", "/es/hidden/", "/es/moderation/", "/es/moderation/comments/",
        "/es/about/", "/es/search/", "/en/organizations/", "/sitemap.xml", "/robots.txt",
        "/static/altavoz/site.css", "/api/v1/", "/api/v1/openapi.json", "/api/v1/articles",
        f"/api/v1/articles/es/{site.es.slug}", f"/api/v1/articles/es/{site.hidden.slug}",
        "/.well-known/altavoz/public-key", f"/media/{site.es.cover.name}",
        f"/media/{site.pdf_name}",
    ]
    assert [p for p in expected if p not in found] == []
    private = [site.scheduled.get_absolute_url(), site.draft.get_absolute_url(),
               "/es/write/", "/es/account/login/", "/manage/", "/"]
    assert [p for p in private if p in found] == []
    assert manifest["redirects"] == {"/": "/es/"}
    assert manifest["previous"] is None
    assert manifest["site"]["public_key"] == public_key_hex(home)
    assert manifest["site"]["base_url"] == "http://127.0.0.1:8000"
    assert built.report.pages == len(found)


def test_each_path_has_its_exact_bytes_headers_and_smaller_variants(built: Built):
    home, site = built.home, built.site
    found = built.manifest["paths"]
    for path, entry in found.items():
        body = _blob(home, entry["blob"])
        assert sha256(body) == entry["blob"] and len(body) == entry["size"], path
        assert entry["etag"] == f'"{entry["blob"][:32]}"'
        assert "Set-Cookie" not in entry["headers"] and "Vary" not in entry["headers"]
        for name, decode in (("gzip", gzip.decompress), ("br", brotli.decompress)):
            if name in entry:
                packed = _blob(home, entry[name]["blob"])
                assert sha256(packed) == entry[name]["blob"]
                assert decode(packed) == body and len(packed) < len(body), path

    front = found["/es/"]
    assert front["type"] == "text/html; charset=utf-8" and front["lang"] == "es"
    assert front["cache"] == SHORT and "br" in front and "gzip" in front
    assert b'<form role="search"' in _blob(home, front["blob"])
    assert found["/en/feed/"]["type"].startswith("application/atom+xml")
    assert found["/sitemap.xml"]["lang"] is None
    key = found["/.well-known/altavoz/public-key"]
    assert _blob(home, key["blob"]).decode().strip() == public_key_hex(home)
    assert key["type"] == "text/plain; charset=utf-8"

    pdf = found[f"/media/{site.pdf_name}"]
    assert pdf["type"] == "application/pdf" and pdf["cache"] == IMMUTABLE
    assert pdf["headers"]["Content-Disposition"].startswith("attachment")
    assert pdf["headers"]["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "gzip" not in pdf and "br" not in pdf
    cover = found[f"/media/{site.es.cover.name}"]
    assert cover["type"] == "image/png" and cover["cache"] == IMMUTABLE


def test_the_signature_verifies_with_the_published_key_only(built: Built):
    data = store.manifest_path(built.home, built.report.edition).read_bytes()
    sig = store.read_signature(built.home, built.report.edition)
    public = (built.home / "keys" / "signing.pub").read_text().strip()
    assert signing.verify(data, sig, public)
    assert not signing.verify(data, sig, signing.public_key_hex(SigningKey.generate()))
    flipped = bytearray(data)
    flipped[100] ^= 0x01
    assert not signing.verify(bytes(flipped), sig, public)


def test_the_search_index_holds_due_published_articles_only(built: Built):
    index = built.manifest["search_index"]
    path = store.blob_path(built.home, index["blob"])
    assert path.stat().st_size == index["size"]
    with sqlite3.connect(path) as con:
        ids = {row[0] for row in con.execute("SELECT article_id FROM search_document")}
    assert ids == {built.site.es.pk, built.site.en.pk}  # not hidden, scheduled or draft


@pytest.fixture(scope="module")
def rebuilt(built: Built, django_db_blocker) -> BuildReport:
    with django_db_blocker.unblock():
        return build(built.home)


def test_a_rebuild_reuses_every_page_blob(built: Built, rebuilt: BuildReport):
    # `created` and `previous` differ, so the id does; the content does not.
    assert rebuilt.edition != built.report.edition
    assert rebuilt.previous == built.report.edition
    old = built.manifest["paths"]
    new = store.read_manifest(built.home, rebuilt.edition)[1]["paths"]
    assert old.keys() == new.keys()
    assert [p for p in new if new[p]["blob"] != old[p]["blob"]] == []
    assert rebuilt.blobs_reused > 0


def test_a_rebuild_without_changes_writes_no_new_blob(rebuilt: BuildReport):
    assert rebuilt.blobs_new == 0  # "0 new blobs", and nothing compressed again


@pytest.mark.parametrize(("extra", "message"), [
    ("/es/article/no-existe/", r"/es/article/no-existe/ answered 404"),
    ("/es/account/login/", r"/es/account/login/ sets a cookie \(csrftoken\)"),
])
def test_a_path_that_is_not_a_public_page_stops_the_build(built: Built, db, monkeypatch,
                                                         extra, message):
    live = store.current_id(built.home)
    before = blobs_on_disk(built.home)
    listed = paths.page_paths
    monkeypatch.setattr(paths, "page_paths", lambda own=None: [*listed(own), extra])
    with pytest.raises(RenderError, match=message):
        build(built.home, collect_static=False)
    assert store.current_id(built.home) == live
    assert blobs_on_disk(built.home) == before  # what it wrote, it took back


def test_gc_after_a_build_keeps_the_last_editions(built: Built, db, tmp_path: Path, settings):
    settings.STATIC_ROOT = tmp_path / "static"  # none: three builds stay quick
    settings.ALTAVOZ_EDITIONS_KEEP = 2
    home = tmp_path / "home"  # the small site again, in a store of its own
    initialise(home)
    reports = []
    for name in ("uno", "dos", "tres"):
        settings.ALTAVOZ_SITE_NAME = name  # every page changes
        reports.append(build(home, collect_static=False))
    kept = [r.edition for r in reports[1:]]
    assert reports[-1].gc is not None and reports[-1].gc.kept == kept[::-1]
    assert sorted(p.stem for p in (store.root(home) / "manifests").glob("*.json")) == sorted(kept)
    needed: set[str] = set()
    for edition in kept:
        needed |= referenced_blobs(store.read_manifest(home, edition)[1])
    assert blobs_on_disk(home) == needed


# --- `altavoz build`, as an operator runs it ------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"href", "src"} and value and value.startswith("/"):
                self.found.add(value)


# Origin-rendered pages: linked from edition pages, served by the origin through the edge.
_ORIGIN_ONLY = re.compile(r"^/(\w\w/)?(account|write|mine|editor|manage)/|/comment/|/reply/|"
                          r"/report/")


def test_altavoz_build_on_a_seeded_home():
    home, result = seeded_template()  # `altavoz init`, `seed --articles 40`, `build`
    edition = result.stdout.strip().splitlines()[-1]
    assert store.current_id(home) == edition
    assert "pages/s" in result.stderr and f"Edition {edition}" in result.stderr

    data, manifest = store.read_manifest(home, edition)
    public = (home / "keys" / "signing.pub").read_text().strip()
    assert signing.verify(data, store.read_signature(home, edition), public)
    found = manifest["paths"]
    with sqlite3.connect(home / "altavoz.sqlite3") as con:
        pair = con.execute(
            "SELECT a.language, a.slug, b.language, b.slug FROM newsroom_article a "
            "JOIN newsroom_article b ON a.group_id = b.group_id AND a.id < b.id "
            "WHERE a.status = 'published' AND b.status = 'published' LIMIT 1").fetchone()
        hidden = con.execute(
            "SELECT language, slug FROM newsroom_article WHERE status = 'hidden'").fetchall()
    assert pair and hidden
    expected = [f"/{pair[0]}/article/{pair[1]}/", f"/{pair[2]}/article/{pair[3]}/",
                *(f"/{lang}/article/{slug}/" for lang, slug in hidden),
                "/es/", "/en/", "/es/page/1/", "/es/feed/", "/en/feed/rss/", "/sitemap.xml",
                "/robots.txt", "/static/altavoz/site.css"]
    assert [p for p in expected if p not in found] == []
    for entry in found.values():
        assert sha256(_blob(home, entry["blob"])) == entry["blob"]

    # Every link on every page leads into the edition, or to an origin-rendered page.
    missing: dict[str, str] = {}
    for path, entry in found.items():
        if entry["type"].startswith("text/html"):
            links = _Links()
            links.feed(_blob(home, entry["blob"]).decode())
            for link in links.found:
                target = link.split("#", 1)[0]
                if "?" in target or _ORIGIN_ONLY.search(target) or target in found:
                    continue
                missing.setdefault(target, path)
    assert missing == {}


def test_build_has_help(tmp_path: Path):
    result = run(tmp_path, "build", "--help")
    assert result.returncode == 0 and "usage: altavoz build" in result.stdout
