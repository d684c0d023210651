"""Hot switching between editions, and refusing editions that cannot be believed."""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable

from nacl.signing import SigningKey

from tests.shield.conftest import Edge
from tests.shield.synthetic import Page, default_pages, make_home, set_current, write_edition

SWITCH_WITHIN = 2.0


def _wait_for(check: Callable[[], bool], timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.05)
    return False


def _pages(title: bytes) -> dict[str, Page]:
    pages = default_pages()
    pages["/es/"] = Page(b"<!DOCTYPE html><title>" + title + b"</title>", lang="es")
    return pages


def test_a_new_edition_is_served_within_two_seconds(start_edge: Callable[..., Edge],
                                                    tmp_path) -> None:
    home, key = make_home(tmp_path)
    first = write_edition(home, key, _pages(b"primera"))
    edge = start_edge(home=(home, key))
    assert edge.edition_id() == first
    conn = edge.http()  # a keep-alive connection sees the switch on its next request
    conn.request("GET", "/es/")
    response = conn.getresponse()
    assert b"primera" in response.read()

    second = write_edition(home, key, _pages(b"segunda"), previous=first)
    written = time.monotonic()

    def switched() -> bool:
        conn.request("GET", "/es/")
        return b"segunda" in conn.getresponse().read()

    assert _wait_for(switched, SWITCH_WITHIN + 1)
    assert time.monotonic() - written <= SWITCH_WITHIN
    assert edge.edition_id() == second
    conn.close()
    # Unchanged pages are the same bytes in both editions.
    _, body = edge.get("/es/about/")
    assert body == default_pages()["/es/about/"].body


def test_a_badly_signed_edition_is_refused_and_the_old_one_kept(
        start_edge: Callable[..., Edge], tmp_path) -> None:
    home, key = make_home(tmp_path)
    good = write_edition(home, key, _pages(b"buena"))
    edge = start_edge(home=(home, key))
    forged = write_edition(home, key, _pages(b"falsa"), sign_with=SigningKey.generate())
    time.sleep(1.5)  # several polls
    assert edge.edition_id() == good
    _, body = edge.get("/es/")
    assert b"buena" in body and b"falsa" not in body
    # Once a properly signed edition appears, it is served.
    fixed = write_edition(home, key, _pages(b"nueva"))
    assert fixed != forged
    assert _wait_for(lambda: edge.edition_id() == fixed, SWITCH_WITHIN + 1)


def test_a_tampered_blob_is_refused(start_edge: Callable[..., Edge], tmp_path) -> None:
    home, key = make_home(tmp_path)
    good = write_edition(home, key, _pages(b"buena"))
    edge = start_edge(home=(home, key))
    pages = _pages(b"cambiada")
    tampered = write_edition(home, key, pages, make_current=False)
    # Change a blob only the new edition uses: the signature still holds, the hash does not.
    import hashlib

    sha = hashlib.sha256(pages["/es/"].body).hexdigest()
    (home / "editions" / "blobs" / sha[:2] / sha).write_bytes(b"<h1>defaced</h1>" + b" " * 100)
    set_current(home, tampered)
    time.sleep(1.5)
    assert edge.edition_id() == good
    _, body = edge.get("/es/")
    assert b"defaced" not in body


def test_no_edition_means_503_and_unhealthy(start_edge: Callable[..., Edge], tmp_path) -> None:
    home, key = make_home(tmp_path)
    edge = start_edge(home=(home, key))
    response, _ = edge.get("/healthz")
    assert response.status == 503
    response, body = edge.get("/es/")
    assert response.status == 503 and response.getheader("Retry-After")
    edition = write_edition(home, key)
    assert _wait_for(lambda: edge.edition_id() == edition, SWITCH_WITHIN + 1)
    response, _ = edge.get("/es/")
    assert response.status == 200


def test_metrics_listener_counts(edge: Edge) -> None:
    edge.get("/es/")
    edge.get("/es/no-such/")
    conn = http.client.HTTPConnection("127.0.0.1", edge.metrics_port, timeout=5)
    conn.request("GET", "/metrics")
    response = conn.getresponse()
    text = response.read().decode()
    conn.close()
    assert response.status == 200
    values = {line.split()[0]: float(line.split()[1]) for line in text.splitlines()
              if line and not line.startswith("#")}
    assert values["altavoz_edge_edition_total"] >= 1
    assert values["altavoz_edge_client_errors_total"] >= 1
    for name in ("not_modified", "forwarded", "origin_errors", "server_errors", "shed"):
        assert f"altavoz_edge_{name}_total" in values
    assert values["altavoz_edge_edition_paths"] == len(default_pages())


def test_a_patch_edition_changes_only_its_paths(start_edge: Callable[..., Edge],
                                                tmp_path) -> None:
    home, key = make_home(tmp_path)
    full = write_edition(home, key, _pages(b"primera"))
    edge = start_edge(home=(home, key))
    pages = default_pages()
    gone = next(p for p in pages if p.startswith("/es/") and p != "/es/")
    first = write_edition(home, key, {"/es/": Page(b"<title>parche uno</title>", lang="es")},
                          previous=full, base=full, removed=[gone])
    assert _wait_for(lambda: edge.edition_id() == first, SWITCH_WITHIN + 1)
    assert b"parche uno" in edge.get("/es/")[1]
    assert edge.get(gone)[0].status == 404
    assert edge.get("/en/")[1] == pages["/en/"].body  # from the base, untouched

    # The next patch is cumulative on the same base: the removed path stays removed.
    second = write_edition(home, key, {"/es/": Page(b"<title>parche dos</title>", lang="es"),
                                       "/es/nuevo/": Page(b"<title>nuevo</title>", lang="es")},
                           previous=first, base=full, removed=[gone])
    assert _wait_for(lambda: edge.edition_id() == second, SWITCH_WITHIN + 1)
    assert b"parche dos" in edge.get("/es/")[1] and edge.get("/es/nuevo/")[0].status == 200
    assert edge.get(gone)[0].status == 404


def test_a_patch_on_an_unknown_or_foreign_base_is_refused(start_edge: Callable[..., Edge],
                                                           tmp_path) -> None:
    home, key = make_home(tmp_path)
    full = write_edition(home, key, _pages(b"primera"))
    edge = start_edge(home=(home, key))
    write_edition(home, key, {"/es/": Page(b"<title>huerfano</title>", lang="es")},
                  previous=full, base="0" * 64)
    time.sleep(1.0)  # several polls: it must have been looked at and refused
    assert edge.edition_id() == full and b"primera" in edge.get("/es/")[1]
    other = SigningKey.generate()
    write_edition(home, key, {"/es/": Page(b"<title>ajeno</title>", lang="es")},
                  previous=full, base=full, sign_with=other)
    time.sleep(1.0)
    assert edge.edition_id() == full and b"primera" in edge.get("/es/")[1]
