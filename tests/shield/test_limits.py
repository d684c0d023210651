"""Rate limits: the buckets on an injected clock, the protocol in-process, and a real
edge in a subprocess with clients bound to addresses of 127.0.0.0/8."""

from __future__ import annotations

import json
import re
import socket
import time
from pathlib import Path

import pytest

from altavoz.config import ConfigError
from altavoz.shield.context import EdgeContext
from altavoz.shield.limits import (
    CLIENT,
    COSTLY,
    FORWARD,
    PREFIX,
    READ,
    SEARCH,
    Limiter,
    client_keys,
    kind_of,
)
from altavoz.shield.protocol import EdgeProtocol
from altavoz.shield.settings import Budget, from_env, parse_budget
from tests.shield.conftest import Edge, Raw, is_closed, raw
from tests.shield.test_fuzz import FakeTransport
from tests.shield.test_replay import ctx  # noqa: F401 (a fixture)

BIG = Budget(1000, 1000)  # refills in a second: does not stretch the forget horizon
LANGS = ("es", "en")


def limiter(read: tuple[Budget | None, Budget | None] = (BIG, BIG), **others: object) -> Limiter:
    budgets = {kind: (BIG, BIG) for kind in (READ, SEARCH, FORWARD, COSTLY)}
    budgets[READ] = read
    budgets.update(others.pop("budgets", {}))  # type: ignore[arg-type]
    return Limiter(budgets, **others)  # type: ignore[arg-type]


def spend(lim: Limiter, address: str, kind: int = READ, times: int = 1) -> list[int]:
    key, prefix = client_keys(address)  # type: ignore[misc]
    return [lim.take(key, prefix, kind) for _ in range(times)]


# --- buckets ----------------------------------------------------------------------------


def test_a_burst_then_the_rate_with_lazy_refill() -> None:
    lim = limiter((Budget(2, 4), None))  # 2 a second, 4 at once
    lim.tick(0.0)
    assert spend(lim, "203.0.113.9", times=5) == [0, 0, 0, 0, 1]
    lim.tick(0.5)  # half a second: one token back
    assert spend(lim, "203.0.113.9", times=2) == [0, 1]
    lim.tick(100.0)  # long idle: full again, but never more than the burst
    assert spend(lim, "203.0.113.9", times=5) == [0, 0, 0, 0, 1]
    assert lim.hits[READ * 2 + CLIENT] == 3


def test_retry_after_says_when_a_token_is_back() -> None:
    lim = limiter((Budget(1 / 30, 1), None))  # one every 30 s
    lim.tick(0.0)
    assert spend(lim, "203.0.113.9", times=2) == [0, 30]
    lim.tick(20.0)
    assert spend(lim, "203.0.113.9") == [10]
    lim.tick(30.0)
    assert spend(lim, "203.0.113.9") == [0]


def test_a_refused_request_spends_nothing() -> None:
    lim = limiter((Budget(1, 2), None))
    spend(lim, "203.0.113.9", times=50)  # 48 refused
    lim.tick(1.0)
    assert spend(lim, "203.0.113.9", times=2) == [0, 1]


def test_many_addresses_of_one_24_share_the_prefix_budget() -> None:
    lim = limiter((Budget(1, 5), Budget(1, 10)))
    results = [spend(lim, f"198.51.100.{host}")[0] for host in range(1, 16)]
    assert results[:10] == [0] * 10 and all(results[10:])
    assert lim.hits[READ * 2 + PREFIX] == 5 and lim.hits[READ * 2 + CLIENT] == 0
    assert spend(lim, "198.51.101.1") == [0]  # the next /24 has its own budget
    # A client refused by its prefix kept its own tokens.
    assert spend(lim, "198.51.101.2", times=5) == [0, 0, 0, 0, 0]


def test_budgets_are_separate() -> None:
    lim = limiter((Budget(1, 3), None), budgets={SEARCH: (Budget(1, 2), None),
                                                 COSTLY: (Budget(1, 1), None)})
    assert spend(lim, "203.0.113.9", SEARCH, 3) == [0, 0, 1]
    assert spend(lim, "203.0.113.9", READ, 3) == [0, 0, 0]  # searching spent no reads
    assert spend(lim, "203.0.113.9", COSTLY, 2) == [0, 1]
    assert spend(lim, "203.0.113.9", FORWARD, 2) == [0, 0]
    assert spend(lim, "203.0.113.9", READ) == [1]


@pytest.mark.parametrize("method, path, query, kind", [
    (b"POST", "/es/account/login/", b"", COSTLY),
    (b"POST", "/en/account/register/", b"", COSTLY),
    (b"POST", "/es/account/two-factor/", b"", COSTLY),
    (b"POST", "/es/write/", b"", COSTLY),
    (b"POST", "/es/write/12/attachments/", b"", COSTLY),
    (b"POST", "/es/article/asamblea/comment/", b"", COSTLY),
    (b"POST", "/en/comment/5/reply/", b"", COSTLY),
    (b"POST", "/en/comment/5/report/", b"", COSTLY),
    (b"PATCH", "/api/v1/articles/3", b"", COSTLY),
    (b"POST", "/es/editor/queue/", b"", FORWARD),
    (b"POST", "/es/", b"", FORWARD),
    (b"GET", "/es/account/login/", b"", FORWARD),
    (b"GET", "/es/write/", b"", FORWARD),
    (b"GET", "/es/search/", b"q=agua", SEARCH),
    (b"HEAD", "/en/search/", b"q=water", SEARCH),
    (b"GET", "/api/v1/articles", b"tag=tierra", SEARCH),
    (b"GET", "/manage/", b"", FORWARD),
])
def test_what_each_request_costs(method: bytes, path: str, query: bytes, kind: int) -> None:
    assert kind_of(method, path, query, LANGS) == kind


def test_default_costly_budget_is_stricter_than_forwarding() -> None:
    lim = Limiter.from_settings(from_env(home=Path("/nonexistent")), 0.0)
    costly = spend(lim, "203.0.113.9", COSTLY, 25)
    assert costly.count(0) == 20 and costly[-1] > 1  # minutes, not seconds
    assert spend(lim, "203.0.113.9", FORWARD) == [0]


def test_ipv6_clients_are_their_64_and_prefixes_their_48() -> None:
    lim = limiter((Budget(1, 2), Budget(1, 3)))
    # Two addresses of one /64 are one client.
    assert spend(lim, "2001:db8:1:1::1") == [0]
    assert spend(lim, "2001:db8:1:1::ffff", times=2) == [0, 1]
    assert lim.hits[READ * 2 + CLIENT] == 1
    # Another /64 of the same /48 has its own client bucket but shares the prefix.
    assert spend(lim, "2001:db8:1:2::1", times=2) == [0, 1]
    assert lim.hits[READ * 2 + PREFIX] == 1
    assert spend(lim, "2001:db8:2:1::1") == [0]  # another /48


def test_keys_of_addresses() -> None:
    assert client_keys("::ffff:198.51.100.7") == client_keys("198.51.100.7")
    assert client_keys("unix") == () and client_keys("") == ()
    v4 = set(client_keys("198.51.100.7"))
    v6 = set(client_keys("2001:db8::1")) | set(client_keys("::c633:6407"))
    assert len(v4 | v6) == len(v4) + len(v6)  # no key of one kind equals another


def test_idle_clients_are_forgotten() -> None:
    lim = limiter((Budget(1, 100), None), forget=10.0)  # refills in 100 s: forget is 100
    lim.tick(0.0)
    spend(lim, "203.0.113.9", times=100)
    spend(lim, "203.0.113.10")
    assert lim.tracked == 3  # two clients, one prefix
    lim.tick(99.0)
    assert lim.tracked == 3
    lim.tick(100.0)  # a rotation: all three to the previous generation
    assert spend(lim, "203.0.113.9") == [0]  # found there (and refilled)
    lim.tick(200.0)
    assert lim.tracked == 2  # 203.0.113.10, idle for a whole rotation, is dropped
    lim.tick(300.0)
    assert lim.tracked == 0


def test_a_client_in_debt_is_not_forgotten() -> None:
    lim = limiter((Budget(1, 10), None), forget=1.0)  # refills in 10 s: forget is 10
    lim.tick(0.0)
    lim.tick(5.0)
    assert spend(lim, "203.0.113.9", times=11)[-1] == 1  # in debt until 15 s
    lim.tick(10.0)  # a rotation while in debt
    assert spend(lim, "203.0.113.9", times=6) == [0] * 5 + [1]  # 5 tokens back, not 10


def test_a_tightened_budget_is_not_forgotten_early() -> None:
    # One every 10 s, bursts of 1; under attack (x0.25) one every 40 s, still bursts of 1.
    lim = limiter((Budget(0.1, 1), None), factors=(1.0, 0.5, 0.25), forget=1.0)
    lim.tick(0.0)
    lim.set_level(2)
    assert spend(lim, "203.0.113.9", times=2) == [0, 40]
    for now in (10.0, 20.0, 30.0):  # forgotten after 10 s, it would get a token at 30 s
        lim.tick(now)
    assert spend(lim, "203.0.113.9") == [10]


def test_an_early_rotation_at_the_cap_restarts_the_forget_timer() -> None:
    lim = limiter((Budget(1, 100), None), tracked=100)  # 50 entries a generation; forget 100 s
    lim.tick(0.0)
    lim.tick(90.0)
    spend(lim, "203.0.113.9", times=101)  # in debt until 190 s
    lim.tick(95.0)
    for host in range(60):  # the cap: a rotation now, 203.0.113.9 to the previous generation
        spend(lim, f"10.0.0.{host}")
    lim.tick(100.0)  # 100 s after the start, but only 5 after that rotation: nothing dropped
    assert spend(lim, "203.0.113.9", times=11) == [0] * 10 + [1]


def test_years_of_uptime_restart_the_clock_rather_than_overflow() -> None:
    lim = limiter((Budget(1, 2), None))
    lim.tick(0.0)
    spend(lim, "203.0.113.9", times=2)
    lim.tick(4.3 * 365 * 86400)  # the 40-bit fields would soon overflow: all start again
    assert lim.tracked == 0 and lim.now == 1
    assert spend(lim, "203.0.113.9", times=3) == [0, 0, 1]


def test_memory_is_capped_and_the_least_recent_are_evicted() -> None:
    lim = limiter((Budget(1, 5), None), tracked=1000)
    lim.tick(0.0)
    spend(lim, "203.0.113.9", times=6)  # in debt, then idle
    for number in range(5000):
        spend(lim, f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}")
        assert lim.tracked <= 1000
    assert lim.evicted > 0
    assert spend(lim, "203.0.113.9") == [0]  # evicted: its bucket is full again


def test_levels_tighten_budgets() -> None:
    lim = limiter((Budget(10, 8), None), factors=(1.0, 0.5, 0.25))
    lim.set_level(2)
    assert spend(lim, "203.0.113.9", times=3) == [0, 0, 1]
    lim.set_level(0)
    assert spend(lim, "203.0.113.10", times=9)[-1] == 1


def test_suspicious_clients_spent_most_of_a_burst() -> None:
    lim = limiter((Budget(1, 10), Budget(1, 40)))
    spend(lim, "203.0.113.9", times=4)
    assert not lim.suspicious("203.0.113.9")
    spend(lim, "203.0.113.9", times=3)
    assert lim.suspicious("203.0.113.9")
    assert not lim.suspicious("203.0.113.200")
    for host in range(20, 40):  # the /24 spends more than half its prefix budget
        spend(lim, f"203.0.113.{host}")
    assert lim.suspicious("203.0.113.200")  # its network is
    assert not lim.suspicious("unix")


@pytest.mark.parametrize("raw_value, rate, burst", [
    ("20/s,200", 20.0, 200), ("10/min, 5", 10 / 60, 5), ("3/h,3", 3 / 3600, 3),
    (" 0.5/S,1 ", 0.5, 1),
])
def test_budget_settings(raw_value: str, rate: float, burst: int) -> None:
    assert parse_budget(raw_value, "X") == Budget(rate, burst)
    assert parse_budget("off", "X") is None


@pytest.mark.parametrize("name, value", [
    ("ALTAVOZ_EDGE_LIMIT_READ", "20"), ("ALTAVOZ_EDGE_LIMIT_READ", "x/s,1"),
    ("ALTAVOZ_EDGE_LIMIT_SEARCH", "0/s,1"), ("ALTAVOZ_EDGE_LIMIT_FORWARD", "5000/s,1"),
    ("ALTAVOZ_EDGE_LIMIT_COSTLY", "1/day,1"), ("ALTAVOZ_EDGE_LIMIT_COSTLY_PREFIX", "1/s,0"),
    ("ALTAVOZ_EDGE_LIMIT_TIGHTEN", "0.5"), ("ALTAVOZ_EDGE_LIMIT_TIGHTEN", "0.2,0.5"),
    ("ALTAVOZ_EDGE_LIMIT_TIGHTEN", "2,1"), ("ALTAVOZ_EDGE_LIMIT_TRACKED", "10"),
])
def test_bad_limit_settings_are_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                      name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        from_env(home=tmp_path)


# --- the protocol, in-process -------------------------------------------------------------

DATE = re.compile(rb"Date: [^\r]+\r\n")
ARTICLE = b"GET /es/article/asamblea/ HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.fixture
def small(ctx: EdgeContext) -> EdgeContext:  # noqa: F811 (the fixture imported above)
    """test_replay's edge context, with reads of 1 a minute, 3 at once; no origin."""
    return EdgeContext(ctx.settings.with_(limit_read=Budget(1 / 60, 3),
                                          limit_costly=Budget(1 / 60, 1)), ctx.loader)


def connect(context: EdgeContext,
            peer: str = "203.0.113.9") -> tuple[EdgeProtocol, FakeTransport]:
    protocol = EdgeProtocol(context)
    transport = FakeTransport()
    transport.get_extra_info = lambda name, default=None: (  # type: ignore[method-assign]
        (peer, 5000) if name == "peername" else default)
    protocol.connection_made(transport)  # type: ignore[arg-type]
    return protocol, transport


def statuses(out: bytes) -> list[int]:
    return [int(code) for code in re.findall(rb"HTTP/1\.1 (\d{3}) ", out)]


def test_replayed_requests_spend_the_read_budget(small: EdgeContext) -> None:
    protocol, transport = connect(small)
    for _ in range(5):
        protocol.data_received(ARTICLE)  # each read one whole request: replayed from the 2nd
    assert statuses(transport.out) == [200, 200, 200, 429, 429]
    assert small.metrics.replayed == 2
    assert small.limiter.hits[READ * 2 + CLIENT] == 2  # counted once each, not twice
    assert b"Retry-After: 60\r\n" in transport.out
    assert not transport.closed  # a refused read keeps the connection
    other, other_transport = connect(small, "203.0.114.9")
    other.data_received(ARTICLE)
    assert statuses(other_transport.out) == [200]


def test_a_refused_write_is_answered_without_reading_its_body(small: EdgeContext) -> None:
    protocol, transport = connect(small)
    post = (b"POST /es/article/asamblea/comment/ HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n"
            b"\r\nhola=hola")
    protocol.data_received(post)  # allowed: no origin here, so the 503 page
    protocol.data_received(post[:-9])
    assert statuses(transport.out) == [503, 429]
    assert transport.closed
    page = DATE.sub(b"", transport.out.split(b"HTTP/1.1 429", 1)[1])
    assert b"Retry-After: 60" in page
    assert "vuelve atrás".encode() in page and b"go back to keep it" in page


def test_the_api_gets_its_json_error(small: EdgeContext) -> None:
    protocol, transport = connect(small)
    for _ in range(4):
        protocol.data_received(b"GET /api/v1/articles HTTP/1.1\r\nHost: x\r\nX-N: 1\r\n\r\n")
    body = transport.out.rsplit(b"\r\n\r\n", 1)[1]
    assert statuses(transport.out)[-1] == 429
    assert json.loads(body)["error"]["code"] == "rate_limited"


def test_a_unix_socket_peer_is_not_limited(small: EdgeContext) -> None:
    protocol, transport = connect(small, peer="unix")
    for _ in range(6):
        protocol.data_received(ARTICLE)
    assert statuses(transport.out) == [200] * 6


# --- a real edge ----------------------------------------------------------------------------

TINY_READS = {"ALTAVOZ_EDGE_LIMIT_READ": "1/min,5", "ALTAVOZ_EDGE_LIMIT_READ_PREFIX": "1/min,20"}


def get(edge: Edge, source: str, path: str = "/es/") -> tuple[int, dict[str, str], bytes]:
    client = raw(edge, source)
    try:
        client.send(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        return client.response()
    finally:
        client.close()


def metric(edge: Edge, name: str) -> float:
    with socket.create_connection(("127.0.0.1", edge.metrics_port), timeout=5) as sock:
        client = Raw(sock)
        client.send(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        text = client.response()[2].decode()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    raise KeyError(name)


def access_log(edge: Edge, status: int, timeout: float = 5.0) -> list[dict]:
    """Access-log lines with `status` (the log is flushed about once a second)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        path = edge.home / "logs" / "edge-access.log"
        lines = path.read_text().splitlines() if path.exists() else []
        found = [entry for entry in map(json.loads, lines) if entry["status"] == status]
        if found:
            return found
        time.sleep(0.2)
    return []


def test_an_address_over_its_budget_gets_429_and_another_still_gets_200(start_edge) -> None:
    edge = start_edge(env=TINY_READS)
    answers = [get(edge, "127.1.2.3") for _ in range(7)]
    assert [status for status, _, _ in answers] == [200] * 5 + [429] * 2
    status, headers, body = answers[-1]
    assert 1 <= int(headers["retry-after"]) <= 60
    text = body.decode()
    assert "Demasiadas peticiones" in text and "Too many requests" in text
    assert f"{headers['retry-after']} " in text  # the page says how long to wait
    assert get(edge, "127.9.9.9")[0] == 200  # another network
    assert get(edge, "127.1.2.3", "/healthz")[0] == 429  # /healthz is a read like any
    assert metric(edge, 'altavoz_edge_rate_limited_total{budget="read",scope="client"}') == 3
    logged = access_log(edge, 429)
    assert logged and {entry["client"] for entry in logged} == {"127.1.2.0/24"}


def test_a_flood_from_one_24_trips_its_prefix_budget(start_edge) -> None:
    edge = start_edge(env=TINY_READS)
    results = [get(edge, f"127.5.5.{host}")[0] for host in range(1, 31)]
    assert results[:20] == [200] * 20 and results[20:] == [429] * 10
    assert metric(edge, 'altavoz_edge_rate_limited_total{budget="read",scope="prefix"}') == 10
    assert get(edge, "127.5.6.1")[0] == 200  # the next /24


def test_replayed_requests_are_counted_by_a_real_edge(start_edge) -> None:
    edge = start_edge(env=TINY_READS)
    client = raw(edge, "127.7.7.7")
    request = b"GET /es/article/asamblea/ HTTP/1.1\r\nHost: x\r\n\r\n"
    seen = []
    for _ in range(8):  # one whole request per read: the replay cache answers from the 2nd
        client.send(request)
        seen.append(client.response()[0])
    client.close()
    assert seen == [200] * 5 + [429] * 3
    assert metric(edge, "altavoz_edge_replayed_total") >= 4


def test_feeds_and_robots_get_the_read_budget(start_edge) -> None:
    edge = start_edge(env={"ALTAVOZ_EDGE_LIMIT_READ": "1/min,3",
                           "ALTAVOZ_EDGE_LIMIT_SEARCH": "1/min,1"})
    # Searching to exhaustion does not touch what feeds and robots.txt get.
    assert get(edge, "127.3.3.3", "/es/search/?q=agua")[0] == 503  # forwarded; no origin
    assert get(edge, "127.3.3.3", "/es/search/?q=tierra")[0] == 429
    assert [get(edge, "127.3.3.3", path)[0] for path in ("/es/feed/", "/robots.txt",
                                                       "/es/feed/")] == [200, 200, 200]


def test_a_write_over_budget_is_refused_and_the_connection_closed(start_edge, origin) -> None:
    edge = start_edge(origin=origin.address, env={"ALTAVOZ_EDGE_LIMIT_COSTLY": "1/min,2"})
    answers = []
    for _ in range(3):
        client = raw(edge, "127.4.4.4")
        client.send(b"POST /es/account/login/ HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                    b"\r\nu=ana")
        answers.append(client.response()[0])
        if answers[-1] == 429:
            assert is_closed(client)
        client.close()
    assert answers == [201, 201, 429]
    assert len(origin.seen) == 2  # the third never reached the origin
