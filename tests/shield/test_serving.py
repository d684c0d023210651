"""Reads from the edition, through a real edge on loopback."""

from __future__ import annotations

import gzip
import json

import brotli
import pytest

from tests.shield.conftest import Edge, is_closed, raw
from tests.shield.synthetic import default_pages

ARTICLE = "/es/article/asamblea/"
PAGES = default_pages()


def test_get_serves_the_edition_bytes(edge: Edge) -> None:
    response, body = edge.get(ARTICLE)
    assert response.status == 200
    assert body == PAGES[ARTICLE].body
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert response.getheader("Content-Language") == "es"
    assert response.getheader("Cache-Control") == "public, max-age=60"
    assert response.getheader("Vary") == "Accept-Encoding"
    assert response.getheader("ETag").startswith('"')
    assert response.getheader("Date")
    assert response.getheader("Set-Cookie") is None
    assert int(response.getheader("Content-Length")) == len(body)


def test_head_has_the_get_head_and_no_body(edge: Edge) -> None:
    get, _ = edge.get(ARTICLE)
    head, body = edge.get(ARTICLE, method="HEAD")
    assert head.status == 200 and body == b""
    assert head.getheader("Content-Length") == get.getheader("Content-Length")
    assert head.getheader("ETag") == get.getheader("ETag")


@pytest.mark.parametrize("form", ["{tag}", "W/{tag}", '"nope", {tag}', "*", '"a",W/{tag}'])
def test_if_none_match_gives_304(edge: Edge, form: str) -> None:
    first, _ = edge.get(ARTICLE)
    tag = first.getheader("ETag")
    response, body = edge.get(ARTICLE, {"If-None-Match": form.format(tag=tag)})
    assert response.status == 304 and body == b""
    assert response.getheader("ETag") == tag
    assert response.getheader("Cache-Control") == "public, max-age=60"


def test_stale_etag_gives_200(edge: Edge) -> None:
    response, body = edge.get(ARTICLE, {"If-None-Match": '"0000"'})
    assert response.status == 200 and body == PAGES[ARTICLE].body


def test_each_encoding_has_its_own_etag_and_revalidates(edge: Edge) -> None:
    tags = set()
    for encoding in ("identity", "gzip", "br"):
        response, _ = edge.get(ARTICLE, {"Accept-Encoding": encoding})
        tags.add(response.getheader("ETag"))
        again, _ = edge.get(ARTICLE, {"Accept-Encoding": encoding,
                                      "If-None-Match": response.getheader("ETag")})
        assert again.status == 304
    assert len(tags) == 3


@pytest.mark.parametrize("accept, expected", [
    ("gzip, deflate, br, zstd", "br"),
    ("gzip", "gzip"),
    ("br", "br"),
    ("br;q=0, gzip", "gzip"),
    ("gzip;q=1.0, br;q=0.5", "gzip"),
    ("*", "br"),
    ("*;q=0, identity", None),
    ("gzip;q=0", None),
    ("", None),
    ("compress", None),
])
def test_accept_encoding_negotiation(edge: Edge, accept: str, expected: str | None) -> None:
    response, body = edge.get(ARTICLE, {"Accept-Encoding": accept})
    assert response.status == 200
    assert response.getheader("Content-Encoding") == expected
    assert response.getheader("Vary") == "Accept-Encoding"
    decoded = {"gzip": gzip.decompress, "br": brotli.decompress, None: lambda b: b}[expected](body)
    assert decoded == PAGES[ARTICLE].body


def test_media_has_no_vary_and_answers_ranges(edge: Edge) -> None:
    path, data = "/media/a/photo.jpg", PAGES["/media/a/photo.jpg"].body
    whole, body = edge.get(path, {"Accept-Encoding": "gzip, br"})
    assert whole.status == 200 and body == data
    assert whole.getheader("Vary") is None and whole.getheader("Content-Encoding") is None
    assert whole.getheader("Accept-Ranges") == "bytes"
    for spec, first, last in (("bytes=0-99", 0, 99), ("bytes=100-", 100, len(data) - 1),
                              ("bytes=-500", len(data) - 500, len(data) - 1),
                              ("bytes=50000-999999", 50000, len(data) - 1)):
        response, part = edge.get(path, {"Range": spec})
        assert response.status == 206, spec
        assert part == data[first:last + 1]
        assert response.getheader("Content-Range") == f"bytes {first}-{last}/{len(data)}"
    response, part = edge.get(path, {"Range": f"bytes={len(data)}-"})
    assert response.status == 416 and part == b""
    assert response.getheader("Content-Range") == f"bytes */{len(data)}"
    # Several ranges, a malformed one, or a stale If-Range: the whole file instead.
    for headers in ({"Range": "bytes=0-1,5-6"}, {"Range": "bytes=abc"},
                    {"Range": "bytes=0-9", "If-Range": '"stale"'}):
        response, part = edge.get(path, headers)
        assert response.status == 200 and part == data
    response, part = edge.get(path, {"Range": "bytes=0-9", "If-Range": whole.getheader("ETag")})
    assert response.status == 206 and part == data[:10]


def test_keep_alive_serves_several_requests_on_one_connection(edge: Edge) -> None:
    conn = edge.http()
    try:
        for path in (ARTICLE, "/es/", "/en/", ARTICLE, "/robots.txt"):
            conn.request("GET", path)
            response = conn.getresponse()
            assert response.status == 200
            assert response.read() == PAGES[path].body
            assert response.getheader("Connection") is None  # stays open
    finally:
        conn.close()


def test_pipelined_requests_are_answered_in_order(edge: Edge) -> None:
    client = raw(edge)
    paths = [ARTICLE, "/nothing/", "/es/", "/robots.txt", ARTICLE]
    client.send(b"".join(f"GET {p} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for p in paths))
    for path in paths:
        status, _, body = client.response()
        if path in PAGES:
            assert status == 200 and body == PAGES[path].body
        else:
            assert status == 404
    client.close()


def test_unknown_query_parameters_give_identical_bytes(edge: Edge) -> None:
    plain, body = edge.get(ARTICLE, {"Accept-Encoding": "gzip"})
    for query in ("?x=1", "?utm_source=flood&_=1732890000", "?q=", "?a=1&a=2&b"):
        response, other = edge.get(ARTICLE + query, {"Accept-Encoding": "gzip"})
        assert response.status == 200 and other == body
        assert response.getheader("ETag") == plain.getheader("ETag")


def test_redirects(edge: Edge) -> None:
    response, _ = edge.get("/")
    assert response.status == 302 and response.getheader("Location") == "/es/"
    response, _ = edge.get("/es/about")
    assert response.status == 301 and response.getheader("Location") == "/es/about/"
    response, _ = edge.get("/es/about?x=1")
    assert response.getheader("Location") == "/es/about/?x=1"
    response, _ = edge.get("/es")
    assert response.status == 301 and response.getheader("Location") == "/es/"


def test_percent_encoded_paths_are_decoded(edge: Edge) -> None:
    expected = PAGES["/es/caf%C3%A9/"].body
    for path in ("/es/caf%C3%A9/", "/es/caf%c3%a9/", "/%65s/caf%C3%A9/"):
        response, body = edge.get(path)
        assert response.status == 200 and body == expected, path
    response, body = edge.get("/es/%61bout/")
    assert response.status == 200 and body == PAGES["/es/about/"].body


@pytest.mark.parametrize("path", ["/es/../robots.txt", "/es/%2e%2e/robots.txt", "/es/./",
                                  "/es/%00/", "/es/%ff/", "/es/a%5cb/"])
def test_bad_paths_are_refused(edge: Edge, path: str) -> None:
    client = raw(edge)
    client.send(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    status, headers, _ = client.response()
    assert status == 400
    assert headers["connection"] == "close"
    assert is_closed(client)


def test_not_found_is_a_bilingual_page_and_never_forwarded(edge: Edge) -> None:
    response, body = edge.get("/es/no-such-page/")
    assert response.status == 404
    text = body.decode()
    assert "Página no encontrada" in text and "Page not found" in text
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"


def test_other_methods_on_edition_paths_get_405(edge: Edge) -> None:
    for method in ("PUT", "DELETE", "PATCH", "OPTIONS"):
        response, _ = edge.get(ARTICLE, method=method, body=b"")
        assert response.status == 405, method
        assert response.getheader("Allow") == "GET, HEAD"


def test_healthz(edge: Edge) -> None:
    response, body = edge.get("/healthz")
    assert response.status == 200
    data = json.loads(body)
    assert data["level"] == "normal"
    assert data["paths"] == len(PAGES)
    assert len(data["edition"]) == 64


def test_public_key_is_published(edge: Edge) -> None:
    response, body = edge.get("/.well-known/altavoz/public-key")
    assert response.status == 200
    assert body.decode().strip() == edge.key.verify_key.encode().hex()


def test_http10_closes_unless_kept_alive(edge: Edge) -> None:
    client = raw(edge)
    client.send(f"GET {ARTICLE} HTTP/1.0\r\n\r\n".encode())
    status, headers, body = client.response()
    assert status == 200 and body == PAGES[ARTICLE].body
    assert headers["connection"] == "close"
    assert is_closed(client)
    client = raw(edge)
    client.send(f"GET {ARTICLE} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n".encode() * 2)
    for _ in range(2):
        status, headers, _ = client.response()
        assert status == 200 and headers["connection"] == "keep-alive"
    client.close()


def test_metrics_are_not_on_the_public_port(edge: Edge) -> None:
    response, _ = edge.get("/metrics")
    assert response.status == 404


def test_tls_when_a_certificate_is_configured(start_edge, tmp_path) -> None:
    import shutil
    import ssl
    import subprocess

    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                    "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=30)
    edge = start_edge(env={"ALTAVOZ_EDGE_TLS_CERT": str(cert), "ALTAVOZ_EDGE_TLS_KEY": str(key)})
    context = ssl.create_default_context(cafile=str(cert))
    context.check_hostname = False
    import http.client

    conn = http.client.HTTPSConnection("127.0.0.1", edge.port, context=context, timeout=5)
    conn.request("GET", ARTICLE, headers={"Accept-Encoding": "br"})
    response = conn.getresponse()
    assert response.status == 200
    assert brotli.decompress(response.read()) == PAGES[ARTICLE].body
    conn.close()


def test_the_editions_own_404_page_is_used_when_it_has_one(start_edge, tmp_path) -> None:
    from tests.shield.synthetic import Page, article_html, make_home, write_edition

    home, key = make_home(tmp_path)
    pages = default_pages()
    pages["/es/404/"] = Page(b"<!DOCTYPE html><title>No existe</title><p>No existe", lang="es")
    pages["/en/404/"] = Page(article_html("Missing", "en", 2000), lang="en")
    write_edition(home, key, pages)
    edge = start_edge(home=(home, key))
    response, body = edge.get("/es/nada/")
    assert response.status == 404 and body == pages["/es/404/"].body
    response, body = edge.get("/en/nothing/", {"Accept-Encoding": "gzip"})
    assert response.status == 404
    assert gzip.decompress(body) == pages["/en/404/"].body
    response, body = edge.get("/nothing", {"Accept-Language": "en"})
    assert response.status == 404 and body == pages["/en/404/"].body
