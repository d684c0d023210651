"""Dynamic requests go to the origin within its budget; reads never do."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable

import pytest

from tests.shield.conftest import Edge, Origin, dead_port, raw

CLIENT = "127.0.0.77"  # a loopback address of our own, to look for in what the origin saw


def _everything_seen(origin: Origin) -> str:
    return json.dumps([(s.method, s.path, s.raw_headers, s.body.decode("latin-1"))
                       for s in origin.seen])


def test_post_is_forwarded_with_the_client_network_only(start_edge: Callable[..., Edge],
                                                        origin: Origin) -> None:
    edge = start_edge(origin.address)
    client = raw(edge, CLIENT)
    body = b"texto=hola+mundo"
    client.send(b"POST /es/article/asamblea/comment/?next=1 HTTP/1.1\r\nHost: example.org\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n"
                b"X-Forwarded-For: 10.9.8.7\r\nX-Real-IP: 10.9.8.7\r\nForwarded: for=10.9.8.7\r\n"
                b"X-Altavoz-Client-Net: 10.0.0.0/8\r\n"
                b"Connection: keep-alive, X-Secret\r\nX-Secret: hop\r\nKeep-Alive: 5\r\n"
                b"TE: trailers\r\nCookie: sessionid=abc\r\n\r\n" + body)
    status, headers, answer = client.response()
    assert status == 201
    assert answer == b"origin says: POST /es/article/asamblea/comment/?next=1"
    assert headers["set-cookie"] == "sessionid=abc; HttpOnly"
    assert headers["x-origin"] == "yes"
    assert "keep-alive" not in headers  # hop-by-hop from the origin is not passed on
    seen = origin.seen[-1]
    assert seen.body == body
    assert seen.headers["X-Altavoz-Client-Net"] == "127.0.0.0/24"
    assert seen.headers["Host"] == "example.org"
    assert seen.headers["Cookie"] == "sessionid=abc"
    for dropped in ("X-Forwarded-For", "X-Real-IP", "Forwarded", "X-Secret", "Keep-Alive",
                    "TE"):
        assert dropped not in seen.headers, dropped
    assert CLIENT not in _everything_seen(origin)
    # The connection stays usable: a read after the forwarded write.
    client.send(b"GET /es/ HTTP/1.1\r\nHost: example.org\r\n\r\n")
    status, _, _ = client.response()
    assert status == 200
    client.close()
    # And the access log kept the network, not the address.
    time.sleep(1.2)  # flushed once a second
    log = (edge.home / "logs" / "edge-access.log").read_text()
    assert CLIENT not in log
    lines = [json.loads(line) for line in log.splitlines()]
    posted = [line for line in lines if line["method"] == "POST"]
    assert posted and posted[0]["client"] == "127.0.0.0/24"
    assert posted[0]["path"] == "/es/article/asamblea/comment/"  # no query string
    assert posted[0]["status"] == 201


@pytest.mark.parametrize("path", ["/es/account/login/", "/en/write/", "/es/editor/",
                                  "/es/search/?q=agua", "/api/v1/articles?section=news",
                                  "/manage/", "/media/not-in-edition.png", "/es/mine/"])
def test_dynamic_reads_are_forwarded(start_edge: Callable[..., Edge], origin: Origin,
                                     path: str) -> None:
    edge = start_edge(origin.address)
    response, body = edge.get(path)
    assert response.status == 200
    assert body == b"origin says: GET " + path.encode()


@pytest.mark.parametrize("path", ["/es/", "/es/?nocache=123", "/es/search/",
                                  "/api/v1/articles", "/es/random/path/", "/wp-login.php",
                                  "/es/article/asamblea/?q=x"])
def test_reads_never_reach_the_origin(start_edge: Callable[..., Edge], origin: Origin,
                                      path: str) -> None:
    edge = start_edge(origin.address)
    edge.get(path)
    assert origin.seen == []


def test_origin_response_is_streamed_and_reframed(start_edge: Callable[..., Edge],
                                                  origin: Origin) -> None:
    edge = start_edge(origin.address)
    client = raw(edge)
    client.send(b"GET /es/account/chunked/ HTTP/1.1\r\nHost: x\r\n\r\n")
    status, headers, body = client.response()
    assert status == 200 and headers["transfer-encoding"] == "chunked"
    assert body == b"uno dos " + b"tres" * 5000
    client.send(b"HEAD /es/account/x/ HTTP/1.1\r\nHost: x\r\n\r\n")
    status, headers, body = client.response(head_only=True)
    assert status == 200 and body == b""
    client.close()


def test_chunked_request_body_is_forwarded_with_a_length(start_edge: Callable[..., Edge],
                                                         origin: Origin) -> None:
    edge = start_edge(origin.address)
    client = raw(edge)
    client.send(b"POST /es/write/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"5\r\nhola \r\n5\r\nmundo\r\n0\r\n\r\n")
    status, _, _ = client.response()
    assert status == 201
    assert origin.seen[-1].body == b"hola mundo"
    assert origin.seen[-1].headers["Content-Length"] == "10"
    assert "Transfer-Encoding" not in origin.seen[-1].headers
    client.close()


def test_pipelined_requests_around_a_forwarded_one_stay_in_order(
        start_edge: Callable[..., Edge], origin: Origin) -> None:
    edge = start_edge(origin.address)
    client = raw(edge)
    client.send(b"GET /es/ HTTP/1.1\r\nHost: x\r\n\r\n"
                b"POST /es/comment/1/reply/ HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok"
                b"GET /robots.txt HTTP/1.1\r\nHost: x\r\n\r\n"
                b"GET /es/account/ HTTP/1.1\r\nHost: x\r\n\r\n"
                b"GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n")
    statuses = [client.response()[0] for _ in range(5)]
    assert statuses == [200, 201, 200, 200, 404]
    client.close()


@pytest.mark.parametrize("lang, words", [("es", "No se puede escribir"),
                                         ("en", "Writing is unavailable")])
def test_origin_down_reads_work_and_writes_get_503(start_edge: Callable[..., Edge],
                                                   lang: str, words: str) -> None:
    edge = start_edge(f"127.0.0.1:{dead_port()}")
    response, body = edge.get(f"/{lang}/")
    assert response.status == 200
    response, body = edge.get(f"/{lang}/article/asamblea/comment/", method="POST",
                              body=b"texto=hola",
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 503
    assert int(response.getheader("Retry-After")) > 0
    text = body.decode()
    assert words in text and f'lang="{lang}"' in text
    # Still reading afterwards, on every page.
    for path in ("/es/", "/en/", "/es/article/asamblea/", "/robots.txt"):
        assert edge.get(path)[0].status == 200


def test_origin_down_language_from_accept_language(start_edge: Callable[..., Edge]) -> None:
    edge = start_edge(f"127.0.0.1:{dead_port()}")
    response, body = edge.get("/manage/", method="POST", body=b"",
                              headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert response.status == 503 and "Writing is unavailable" in body.decode()
    response, body = edge.get("/api/v1/articles", method="POST", body=b"{}",
                              headers={"Accept-Language": "es"})
    assert response.status == 503
    assert json.loads(body)["error"]["code"] == "unavailable"


def test_queue_full_gets_503_with_retry_after(start_edge: Callable[..., Edge],
                                              origin: Origin) -> None:
    edge = start_edge(origin.address, env={"ALTAVOZ_EDGE_ORIGIN_CONCURRENCY": "1",
                                           "ALTAVOZ_EDGE_ORIGIN_QUEUE": "1",
                                           "ALTAVOZ_EDGE_ORIGIN_QUEUE_TIMEOUT": "5"})
    results: list[int] = []

    def post() -> None:
        response, _ = edge.get("/es/write/slow/", method="POST", body=b"a=1")
        results.append(response.status)

    holder = threading.Thread(target=post)  # takes the one origin slot
    holder.start()
    assert _wait(lambda: len(origin.seen) == 1)
    waiter = threading.Thread(target=post)  # takes the one queue place
    waiter.start()
    time.sleep(0.3)
    started = time.monotonic()
    response, body = edge.get("/es/write/", method="POST", body=b"a=1")
    assert response.status == 503
    assert time.monotonic() - started < 1.0  # refused at once, not after a wait
    assert int(response.getheader("Retry-After")) > 0
    assert "Hay demasiadas peticiones" in body.decode()
    # Reads are not in that queue.
    assert edge.get("/es/")[0].status == 200
    origin.release.set()
    holder.join(10)
    waiter.join(10)
    assert sorted(results) == [201, 201]


def test_trusted_proxy_forwarded_for(start_edge: Callable[..., Edge], origin: Origin) -> None:
    edge = start_edge(origin.address, env={"ALTAVOZ_EDGE_TRUSTED_PROXIES": "127.0.0.1/32"})
    trusted = raw(edge, "127.0.0.1")
    trusted.send(b"POST /es/write/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                 b"X-Forwarded-For: 203.0.113.9, 198.51.100.23\r\n\r\n")
    assert trusted.response()[0] == 201
    assert origin.seen[-1].headers["X-Altavoz-Client-Net"] == "198.51.100.0/24"
    untrusted = raw(edge, "127.0.0.2")
    untrusted.send(b"POST /es/write/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                   b"X-Forwarded-For: 198.51.100.23\r\n\r\n")
    assert untrusted.response()[0] == 201
    assert origin.seen[-1].headers["X-Altavoz-Client-Net"] == "127.0.0.0/24"
    trusted.close()
    untrusted.close()


def test_proxy_protocol_from_a_trusted_peer(start_edge: Callable[..., Edge],
                                            origin: Origin) -> None:
    edge = start_edge(origin.address, env={"ALTAVOZ_EDGE_TRUSTED_PROXIES": "127.0.0.1/32",
                                           "ALTAVOZ_EDGE_PROXY_PROTOCOL": "true"})
    client = raw(edge, "127.0.0.1")
    client.send(b"PROXY TCP6 2001:db8:1:2:3::9 2001:db8::1 51000 443\r\n"
                b"POST /es/write/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
    assert client.response()[0] == 201
    assert origin.seen[-1].headers["X-Altavoz-Client-Net"] == "2001:db8:1:2::/64"
    client.close()
    # An untrusted peer's PROXY line is not HTTP: refused.
    other = raw(edge, "127.0.0.3")
    other.send(b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\nGET /es/ HTTP/1.1\r\nHost: x\r\n\r\n")
    assert other.response()[0] == 400
    other.close()


def _wait(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.02)
    return False


def test_a_client_going_away_does_not_leak_its_origin_slot(start_edge: Callable[..., Edge],
                                                 origin: Origin) -> None:
    edge = start_edge(origin.address, env={"ALTAVOZ_EDGE_ORIGIN_CONCURRENCY": "1",
                                           "ALTAVOZ_EDGE_ORIGIN_QUEUE": "0"})
    sock = edge.connect()
    sock.sendall(b"POST /es/write/slow/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
    assert _wait(lambda: len(origin.seen) == 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    sock.close()  # reset while the origin is still working on the request
    # The slot stays taken while the origin works (it is the origin's capacity, and the
    # origin does not stop because the client left); once it answers, the slot is free.
    response, _ = edge.get("/es/write/", method="POST", body=b"")
    assert response.status == 503
    origin.release.set()
    assert _wait(lambda: edge.get("/es/write/", method="POST", body=b"")[0].status == 201)
