"""Forms on a static mirror: an export sends forms, search and origin-only pages to
the origin's address, says on its search page where search runs, and still
verifies against the signature (verify undoes exactly that rewriting)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from altavoz.cli import main
from altavoz.editions import layout
from altavoz.editions.export import ExportError, export
from altavoz.editions.origin_links import ORIGIN_FILE, OriginLinks, for_export
from altavoz.editions.verify import verify
from tests.editions.conftest import ORIGIN, PAGES, Edition, _page

MIRROR = "https://mirror.example/altavoz/"
WRITE = "https://write.example.org"

SEARCH_PAGE = _page("Buscar", (
    '<p class="mirror-only" hidden>Busque en la dirección del sitio: '
    '<a class="origin-url" href="/es/search/"></a></p>'
    '<a href="/es/write/">Publicar</a> <a href="/es/account/login/?next=/es/">Entrar</a> '
    '<a href="/es/search/?q=tierra">tierra</a> <a href="/es/search/">buscar</a> '
    '<a href="/es/article/asamblea-campesina/comment/">Comentar</a> '
    '<a href="/es/comment/7/report/">Denunciar</a> <a href="/manage/">admin</a> '
    '<a href="/es/article/asamblea-campesina/">artículo</a> <a href="/media/foto.png">foto</a> '
    '<form method="post" action="/es/comment/7/reply/"><button formaction="/es/write/">'
    "</button></form>"
))
API_PAGE = json.dumps({
    "items": [{"url": "/es/article/asamblea-campesina/",
               "api_url": "/api/v1/articles/es/asamblea-campesina"}],
    "next": "/api/v1/articles?page=2", "comments_url": "/es/article/asamblea-campesina/comment/",
}).encode()


@pytest.fixture
def site(edition: Edition) -> Edition:
    edition.publish({"/es/search/": SEARCH_PAGE, "/api/v1/articles": API_PAGE})
    return edition


def _search(root: Path) -> str:
    return (root / "es/search/index.html").read_text()


def test_forms_and_origin_only_links_point_to_the_origin(site: Edition, tmp_path: Path):
    target = tmp_path / "mirror"
    report = export(site.home, target, origin_links=True)
    assert report.origin_url == ORIGIN and report.rewritten_for is None
    page = _search(target)
    for path in ("/es/write/", "/es/account/login/?next=/es/", "/es/search/?q=tierra",
                 "/es/article/asamblea-campesina/comment/", "/es/comment/7/report/",
                 "/manage/"):
        assert f'href="{ORIGIN}{path}"' in page, path
    assert f'action="{ORIGIN}/es/comment/7/reply/"' in page
    assert f'formaction="{ORIGIN}/es/write/"' in page
    # Pages the mirror has stay on the mirror.
    for path in ("/es/search/", "/es/article/asamblea-campesina/", "/media/foto.png"):
        assert f'href="{path}"' in page, path
    # The note for mirrors is shown, and names the address where search runs.
    assert ('<p class="mirror-only">Busque en la dirección del sitio: <a class="origin-url" '
            f'href="{ORIGIN}/es/search/">{ORIGIN}/es/search/</a></p>') in page
    # Every page's search form posts to where search runs.
    front = (target / "es/index.html").read_text()
    assert f'<form role="search" method="get" action="{ORIGIN}/es/search/">' in front
    api = json.loads((target / "api/v1/articles/index.json").read_bytes())
    assert api["next"] == f"{ORIGIN}/api/v1/articles?page=2"  # a static host ignores ?page=
    assert api["comments_url"] == f"{ORIGIN}/es/article/asamblea-campesina/comment/"
    assert api["items"][0]["url"] == "/es/article/asamblea-campesina/"
    assert (target / ORIGIN_FILE).read_text() == ORIGIN + "\n"
    # Assets are never touched.
    assert (target / "media/foto.png").read_bytes() == PAGES["/media/foto.png"][1]

    result = verify(str(target), site.public_key)
    assert result.findings == [] and result.origin_url == ORIGIN
    assert result.rewritten >= 6  # front pages, search page, API, and their .gz/.br


def test_with_a_base_url_both_rewritings_apply_and_verify(site: Edition, tmp_path: Path):
    target = tmp_path / "mirror"
    report = export(site.home, target, base_url=MIRROR, origin_links=True, origin_url=WRITE)
    assert (report.rewritten_for, report.origin_url) == (MIRROR, WRITE)
    page = _search(target)
    assert f'href="{WRITE}/es/write/"' in page and f'action="{WRITE}/es/comment/7/reply/"' in page
    assert 'href="/altavoz/es/search/"' in page and 'href="/altavoz/media/foto.png"' in page
    assert f'href="{WRITE}/es/search/">{WRITE}/es/search/</a>' in page
    # Absolute links to the site itself follow the mirror, as before.
    article = (target / "es/article/asamblea-campesina/index.html").read_text()
    assert 'href="https://mirror.example/altavoz/es/"' in article

    # The signed edition names ORIGIN, not WRITE: only the person verifying can vouch for it.
    [finding] = verify(str(target), site.public_key, expect_base_url=MIRROR).findings
    assert finding.where == "/" + ORIGIN_FILE
    assert f"sent to {WRITE}, not to {ORIGIN}" in finding.detail
    assert f"--origin-url {WRITE}" in finding.detail
    ok = verify(str(target), site.public_key, expect_base_url=MIRROR, expect_origin_url=WRITE)
    assert ok.findings == [] and ok.rewritten_for == MIRROR and ok.origin_url == WRITE


@pytest.mark.parametrize("tamper", [
    # The log-in link sent to another site.
    lambda data: data.replace(b"https://example.org/es/account/", b"https://evil.example/es/"),
    # A form that should post to the origin posting to the mirror itself.
    lambda data: data.replace(b'action="https://example.org/es/comment/7/reply/"',
                              b'action="/es/comment/7/reply/"'),
    # The note hidden again, or a word changed in it.
    lambda data: data.replace(b'class="mirror-only">', b'class="mirror-only" hidden>'),
    lambda data: data.replace(b"Busque en", b"Busca en"),
])
def test_a_changed_rewritten_page_is_named(site: Edition, tmp_path: Path, tamper):
    target = tmp_path / "mirror"
    export(site.home, target, origin_links=True)
    page = target / "es/search/index.html"
    page.write_bytes(tamper(page.read_bytes()))
    found = {(f.kind, f.where) for f in verify(str(target), site.public_key).findings}
    assert found == {("changed", "/es/search/ (es/search/index.html)")}


def test_an_origin_file_sending_forms_elsewhere_is_a_difference(site: Edition, tmp_path: Path):
    target = tmp_path / "mirror"
    export(site.home, target, origin_links=True)
    (target / ORIGIN_FILE).write_text("https://evil.example\n")
    findings = verify(str(target), site.public_key).findings
    assert ("changed", "/" + ORIGIN_FILE) in {(f.kind, f.where) for f in findings}
    assert any("https://evil.example, not to https://example.org" in f.detail for f in findings)
    (target / ORIGIN_FILE).write_text("<!DOCTYPE html>")
    assert any(f.detail == "does not hold an origin address"
               for f in verify(str(target), site.public_key).findings)


def test_plain_exports_and_the_opt_out_keep_the_signed_bytes(site: Edition, tmp_path: Path,
                                                            monkeypatch, capsys):
    monkeypatch.setenv("ALTAVOZ_HOME", str(site.home))
    target = tmp_path / "mirror"
    assert main(["export", str(target), "--no-origin-links"]) == 0
    assert _search(target).encode() == SEARCH_PAGE
    assert not (target / ORIGIN_FILE).exists()
    # Asked to require an origin, verify says there is none.
    [finding] = verify(str(target), site.public_key, expect_origin_url=ORIGIN).findings
    assert finding.detail == f"forms are not sent to an origin, expected {ORIGIN}"

    # The command's default: forms to ALTAVOZ_ORIGIN_URL, else the edition's base URL.
    monkeypatch.setenv("ALTAVOZ_ORIGIN_URL", WRITE + "/")
    assert main(["export", str(target)]) == 0
    out = capsys.readouterr().out
    assert f"forms, search and origin-only pages (writing, log-in, comments) point to {WRITE}" \
        in out
    assert f'href="{WRITE}/es/write/"' in _search(target)
    monkeypatch.delenv("ALTAVOZ_ORIGIN_URL")
    assert main(["export", str(target)]) == 0
    assert f'href="{ORIGIN}/es/write/"' in _search(target)
    assert (target / ORIGIN_FILE).read_text() == ORIGIN + "\n"


@pytest.mark.parametrize("bad", ["example.org", "https://example.org/path/", "ftp://x.org",
                                 'https://ex"ample.org'])
def test_a_bad_origin_url_is_refused_with_a_message(site: Edition, tmp_path: Path, bad: str,
                                                    monkeypatch, capsys):
    with pytest.raises(ExportError, match="--origin-url must be http"):
        export(site.home, tmp_path / "x", origin_url=bad)
    monkeypatch.setenv("ALTAVOZ_HOME", str(site.home))
    assert main(["export", str(tmp_path / "x"), "--origin-url", bad]) == 2
    assert "--origin-url must be" in capsys.readouterr().err


_FRAGMENTS = [' href="/', " src='/", ' action="/', " formaction=/", ORIGIN, ORIGIN + "/",
              WRITE, "/", "//", "es/", "write/", "account/", "search/", "?q=x", "altavoz/",
              '"', "'", " ", ">", "<", '<a class="origin-url" href="', '"></a>',
              '<p class="mirror-only"', " hidden>", ">", '"next": "/', '"url":"/', "api/v1/"]


@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=30))
def test_unrewrite_undoes_rewrite(fragments: list[str]):
    text = "".join(fragments).encode()
    manifest = {"paths": {p: {} for p in PAGES}, "redirects": {"/": "/es/"},
                "site": {"base_url": ORIGIN, "languages": ["es", "en"]}}
    for base_url, origin_url in ((None, ORIGIN), (MIRROR, ORIGIN), (MIRROR, WRITE)):
        rewriter = for_export(manifest, base_url, origin_url)
        for kind in ("text/html", "application/json", "application/atom+xml"):
            # Text that already looks rewritten (an absolute link to the origin's log-in
            # page) cannot be told apart: verify calls it changed, a false alarm it
            # accepts (rewrite(unrewrite(f)) == f is checked, so never a false pass).
            if rewriter.unrewrite(text, kind) == text:
                assert rewriter.unrewrite(rewriter.rewrite(text, kind), kind) == text


def test_what_counts_as_origin_only():
    links = OriginLinks(ORIGIN, {"paths": {"/es/search/": {}, "/api/v1/articles": {},
                                           "/media/foto.png": {}}})
    for link in (b"/es/write/", b"/en/account/login/", b"/es/editor/", b"/manage/",
                 b"/es/article/x/comment/", b"/es/comment/3/reply/", b"/es/search/?q=a",
                 b"/api/v1/articles?page=2", b"/api/v1/articles/12", b"/media/borrador.png"):
        assert links.origin_only(link), link
    for link in (b"/es/search/", b"/api/v1/articles", b"/media/foto.png", b"/es/",
                 b"/es/article/x/", b"/es/article/x/comments/feed/", b"/sitemap.xml"):
        assert not links.origin_only(link), link


# --- a real site, built by `altavoz build` -------------------------------------------------


def test_a_built_site_on_a_mirror_says_where_search_runs(tmp_path: Path):
    from tests.editions.site import run, seeded_home

    home = seeded_home(tmp_path)
    out = tmp_path / "mirror"
    result = run(home, "export", str(out))
    assert result.returncode == 0, result.stderr
    base = "http://127.0.0.1:8000"  # ALTAVOZ_BASE_URL's default, as the site was built
    for lang in ("en", "es"):
        page = (out / lang / "search/index.html").read_text()
        assert re.search(rf'<p class="mirror-only">[^<]+<a class="origin-url" '
                         rf'href="{base}/{lang}/search/">{base}/{lang}/search/</a></p>', page)
        assert f'<form role="search" method="get" action="{base}/{lang}/search/">' in page
        assert f'<a href="{base}/{lang}/write/">' in page  # "Publish", in the masthead
        assert f'<a href="{base}/{lang}/account/login/">' in page
        mirrors = (out / lang / "mirrors/index.html").read_text()
        assert f'<a class="origin-url" href="{base}/{lang}/">{base}/{lang}/</a>' in mirrors
    english = (out / "en/search/index.html").read_text()
    assert ("This copy of the site cannot search by itself: your search is sent to the "
            "site's own address, where search runs:") in english
    key = (home / "keys/signing.pub").read_text().strip()
    checked = run(home, "verify", str(out), "--key", key)
    assert checked.returncode == 0, checked.stdout
    assert f"forms sent to {base}" in " ".join(checked.stdout.split())
    # On the site itself (the edition, served by the edge) the note stays hidden.
    from altavoz.editions import store
    _bytes, manifest = store.read_resolved(home, store.current_id(home))
    signed = store.blob_path(home, manifest["paths"]["/en/search/"]["blob"]).read_text()
    assert '<p class="mirror-only" hidden>' in signed and 'href="/en/search/"></a>' in signed
    assert layout.MANIFEST_FILE  # the manifest went with it


def test_a_bad_origin_setting_stops_export_and_push(site: Edition, tmp_path: Path, monkeypatch,
                                                    capsys):
    monkeypatch.setenv("ALTAVOZ_HOME", str(site.home))
    monkeypatch.setenv("ALTAVOZ_ORIGIN_URL", "write.example.org/es")
    for command in (["export", str(tmp_path / "x")], ["mirror", "push", str(tmp_path / "y")]):
        assert main(command) == 2
        err = " ".join(capsys.readouterr().err.split())
        assert "configuration error: ALTAVOZ_ORIGIN_URL must be http(s)://host[:port]" in err
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
