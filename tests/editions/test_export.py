"""`altavoz export`: the right files with the right bytes, incremental re-exports,
and --base-url link rewriting."""

from __future__ import annotations

import gzip
import json
import stat
from pathlib import Path

import brotli
import pytest
from hypothesis import given
from hypothesis import strategies as st

from altavoz.cli import main
from altavoz.editions import compress, layout
from altavoz.editions.export import ExportError, export
from tests.editions.conftest import ORIGIN, PAGES, Edition, inodes

MIRROR = "https://mirror.example/altavoz/"


def test_every_path_is_a_file_with_the_signed_bytes(edition: Edition, exported: Path):
    expected = {
        "/es/": "es/index.html", "/es/page/2/": "es/page/2/index.html",
        "/es/article/asamblea-campesina/": "es/article/asamblea-campesina/index.html",
        "/en/": "en/index.html", "/es/feed/": "es/feed/index.xml",
        "/en/feed/": "en/feed/index.xml", "/sitemap.xml": "sitemap.xml",
        "/robots.txt": "robots.txt", "/static/altavoz/site.css": "static/altavoz/site.css",
        "/media/foto.png": "media/foto.png", "/api/v1/articles": "api/v1/articles/index.json",
        "/api/v1/articles/es/asamblea-campesina":
            "api/v1/articles/es/asamblea-campesina/index.json",
    }
    assert set(expected) == set(PAGES)
    for path, relpath in expected.items():
        assert (exported / relpath).read_bytes() == PAGES[path][1], path
        mode = (exported / relpath).stat().st_mode
        assert stat.S_IMODE(mode) == 0o644  # readable by the web server's user

    front = PAGES["/es/"][1]
    assert gzip.decompress((exported / "es/index.html.gz").read_bytes()) == front
    assert brotli.decompress((exported / "es/index.html.br").read_bytes()) == front
    assert not (exported / "media/foto.png.gz").exists()  # not smaller: not in the manifest

    well_known = exported / ".well-known/altavoz"
    assert (well_known / "manifest.json").read_bytes() == edition.manifest_bytes
    sig = (well_known / "manifest.sig").read_text().strip()
    edition.key.verify_key.verify(edition.manifest_bytes, bytes.fromhex(sig))
    assert (well_known / "public-key").read_text().strip() == edition.public_key


def test_the_root_redirect_is_a_page_that_sends_on(exported: Path):
    page = (exported / "index.html").read_text()
    assert '<meta http-equiv="refresh" content="0; url=/es/">' in page
    assert '<a href="/es/">' in page


def test_reexporting_the_same_edition_writes_nothing(edition: Edition, exported: Path):
    before = inodes(exported)
    report = export(edition.home, exported)
    assert report.written == [] and report.removed == []
    assert report.unchanged == report.files
    assert inodes(exported) == before


def test_reexport_writes_only_what_changed_and_removes_what_went(edition: Edition,
                                                                 exported: Path):
    (exported / "CNAME").write_text("mirror.example\n")  # someone else's file
    before = inodes(exported)
    edition.publish({"/es/page/2/": b"<!DOCTYPE html><p>otra</p>", "/en/": None,
                     "/en/feed/": None})
    report = export(edition.home, exported)

    page = edition.manifest["paths"]["/es/page/2/"]
    variants = {f"es/page/2/index.html.{ext}" for name, ext in (("gzip", "gz"), ("br", "br"))
                if name in page}
    assert set(report.written) == {
        ".well-known/altavoz/manifest.json", ".well-known/altavoz/manifest.sig",
        "es/page/2/index.html", *variants,
    }
    gone_en = {name for name in before if name.startswith("en/")}
    assert {"en/index.html", "en/index.html.gz", "en/feed/index.xml"} <= gone_en
    assert set(report.removed) == gone_en | (
        {"es/page/2/index.html.gz", "es/page/2/index.html.br"} - variants)
    assert (exported / "es/page/2/index.html").read_bytes() == b"<!DOCTYPE html><p>otra</p>"
    # Too small for gzip to win: the old .gz went with the old page.
    assert not (exported / "es/page/2/index.html.gz").exists()
    assert not (exported / "en").exists()  # emptied directories are pruned
    assert (exported / "CNAME").read_text() == "mirror.example\n"

    after = inodes(exported)
    changed = {name for name in after if before.get(name) != after[name]}
    assert changed == {*report.written, ".well-known/altavoz/export-files.txt"}


def test_a_file_edited_by_hand_is_repaired(edition: Edition, exported: Path):
    page = exported / "es/index.html"
    page.write_bytes(b"defaced")
    report = export(edition.home, exported)
    assert report.written == ["es/index.html"]
    assert page.read_bytes() == PAGES["/es/"][1]


def test_an_older_edition_can_be_exported(edition: Edition, tmp_path: Path):
    first = edition.id
    edition.publish({"/en/": None})
    report = export(edition.home, tmp_path / "old", edition=first)
    assert report.edition_id == first
    assert (tmp_path / "old/en/index.html").exists()


def test_base_url_rewrites_root_relative_and_origin_links(edition: Edition, tmp_path: Path,
                                                          monkeypatch):
    target = tmp_path / "mirror"
    report = export(edition.home, target, base_url=MIRROR)
    assert report.rewritten_for == MIRROR
    front = (target / "es/index.html").read_text()
    assert 'href="/altavoz/es/article/asamblea-campesina/"' in front
    assert 'href="/altavoz/static/altavoz/site.css"' in front
    assert 'src="/altavoz/media/foto.png"' in front
    assert 'srcset="/altavoz/media/foto.png 1x, /altavoz/media/foto.png 2x"' in front
    assert 'action="/altavoz/es/search/"' in front
    assert 'href="//cdn.example/x"' in front  # another host: left alone
    assert 'href="/es/' not in front
    article = (target / "es/article/asamblea-campesina/index.html").read_text()
    assert 'href="https://mirror.example/altavoz/es/"' in article
    feed = (target / "es/feed/index.xml").read_text()
    assert ORIGIN not in feed and "https://mirror.example/altavoz/es/article/" in feed
    assert "<loc>https://mirror.example/altavoz/en/</loc>" in (target / "sitemap.xml").read_text()
    api = json.loads((target / "api/v1/articles/index.json").read_bytes())
    assert api["items"][0] == {
        "title": "/asamblea: a title, not a link",
        "url": "https://mirror.example/altavoz/es/article/asamblea-campesina/",
        "api_url": "/altavoz/api/v1/articles/es/asamblea-campesina",
    }
    assert 'url=/altavoz/es/"' in (target / "index.html").read_text()

    # The variants are of the rewritten page, not of the signed one.
    rewritten = (target / "es/index.html").read_bytes()
    assert gzip.decompress((target / "es/index.html.gz").read_bytes()) == rewritten
    assert brotli.decompress((target / "es/index.html.br").read_bytes()) == rewritten
    # Assets are never rewritten; the record says what the export was rewritten for.
    assert (target / "static/altavoz/site.css").read_bytes() == PAGES["/static/altavoz/site.css"][1]
    assert (target / layout.REWRITTEN_FOR).read_text().strip() == MIRROR

    # Again: nothing to write, and nothing compressed again.
    def no_compressing(data: bytes) -> bytes:
        raise AssertionError("compressed again")

    monkeypatch.setattr(compress, "brotli_bytes", no_compressing)
    monkeypatch.setattr(compress, "gzip_bytes", no_compressing)
    again = export(edition.home, target, base_url=MIRROR)
    monkeypatch.undo()
    assert again.written == [] and again.files == report.files

    # Back to a plain export: the record of the rewriting goes with it.
    export(edition.home, target)
    assert not (target / layout.REWRITTEN_FOR).exists()
    assert (target / "es/index.html").read_bytes() == PAGES["/es/"][1]


_FRAGMENTS = [' href="/', " src='/", ' action=/', ' srcset="/a 1x, /b 2x"', ' srcset="', ORIGIN,
              ORIGIN + "/", "/", "//", "altavoz", "/altavoz/", '"', "'", ",", " ", "x", "<", ">",
              '"url": "/', '"next":"/', '"title": "/', ":"]


@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=30))
def test_unrewrite_undoes_rewrite(fragments: list[str]):
    text = "".join(fragments).encode()
    for kind in ("text/html", "application/json", "application/atom+xml"):
        rewriter = layout.Rewriter(ORIGIN, MIRROR)
        once = rewriter.rewrite(text, kind)
        assert rewriter.unrewrite(once, kind) == text


@pytest.mark.parametrize("path", ["/../etc/passwd", "/es/%2e%2e/x", "/a//b", "/es/./x",
                                  "relative", "/a\\b"])
def test_unsafe_paths_are_refused(path: str):
    with pytest.raises(layout.LayoutError):
        layout.file_for(path, "text/html")


def test_index_names_follow_the_type():
    assert layout.file_for("/es/feed/rss/", "application/rss+xml; charset=utf-8") == (
        "es/feed/rss/index.xml")
    assert layout.file_for("/api/v1/", "application/vnd.oai.openapi+json") == "api/v1/index.json"
    assert layout.file_for("/a%C3%B1o/", "text/html") == "año/index.html"
    # Without a suffix that tells the type, a page becomes a directory's index.
    assert layout.file_for("/api/v1/articles", "application/json") == "api/v1/articles/index.json"
    assert layout.file_for("/feed.atom", "application/atom+xml") == "feed.atom"
    assert layout.file_for("/static/LICENSE", "application/octet-stream") == "static/LICENSE"
    assert layout.file_for("/.well-known/altavoz/public-key", "text/plain") == (
        ".well-known/altavoz/public-key")
    with pytest.raises(layout.LayoutError):
        layout.file_for("/download/", "application/pdf")


def test_colliding_paths_are_refused():
    blob = {"blob": "0" * 64, "size": 1, "type": "text/html"}
    with pytest.raises(layout.LayoutError, match="both"):
        layout.plan({"paths": {"/es/": blob, "/es/index.html": blob}})


def test_cli_export(edition: Edition, tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("ALTAVOZ_HOME", str(edition.home))
    assert main(["export", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert f"exported edition {edition.id}" in out
    assert "written, 0 unchanged, 0 removed" in out


def test_cli_export_before_any_build_says_what_to_do(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("ALTAVOZ_HOME", str(tmp_path))
    assert main(["export", str(tmp_path / "out")]) == 2
    assert "altavoz build" in " ".join(capsys.readouterr().err.split())


def test_bad_base_url_and_edition_are_refused(edition: Edition, tmp_path: Path):
    with pytest.raises(ExportError, match="base-url"):
        export(edition.home, tmp_path / "x", base_url="mirror.example/altavoz")
    with pytest.raises(ExportError, match="not an edition id"):
        export(edition.home, tmp_path / "x", edition="../../etc")


@pytest.mark.parametrize("command", ["export", "verify"])
def test_help(command: str, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    assert "usage: altavoz" in capsys.readouterr().out
