"""The challenge: signed tokens (units, with an injected clock), the protocol's
hook and endpoints in-process, then a real edge subprocess under attack."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from altavoz import home as altavoz_home
from altavoz.shield import challenge, clearance
from altavoz.shield.challenge import Gate, safe_next
from altavoz.shield.clearance import Refused
from altavoz.shield.context import EdgeContext
from altavoz.shield.loader import Loader
from altavoz.shield.request import Request
from altavoz.shield.settings import Budget, from_env
from tests.shield.synthetic import Page, default_pages, make_home, write_edition
from tests.shield.test_replay import answers as ask

KEY = clearance.Key(b"k" * 32)
NET = "203.0.113.0/24"
OTHER = "198.51.100.0/24"
T0 = 1_800_000_000.0
TTL = 300
UA = b"Mozilla/5.0 (X11; Linux x86_64) Chromium"


# --- tokens ----------------------------------------------------------------------------


def test_a_solved_challenge_is_accepted() -> None:
    token = clearance.challenge(KEY, NET, 12, T0)
    counter = clearance.solve(token)
    assert hashlib.sha256(token + counter).digest()[0] >> 4 == 0  # at least 12 zero bits
    clearance.check_work(KEY, NET, token, counter, T0 + 30, TTL)


@pytest.mark.parametrize("case", ["wrong", "other prefix", "stale", "future", "forged",
                                  "another key"])
def test_bad_answers_are_refused(case: str) -> None:
    token = clearance.challenge(KEY, NET, 12, T0)
    counter = clearance.solve(token)
    key, net, now = KEY, NET, T0 + 1
    if case == "wrong":
        counter = next(str(n).encode() for n in range(10**6) if not clearance.leading_zero_bits(
            hashlib.sha256(token + str(n).encode()).digest(), 12))
    elif case == "other prefix":
        net = OTHER
    elif case == "stale":
        now = T0 + TTL + 1
    elif case == "future":
        now = T0 - 60
    elif case == "forged":  # a lower difficulty written into a token signed for 12 bits
        token = token.replace(b".12.", b".1.")
        counter = clearance.solve(token)
    elif case == "another key":
        key = clearance.Key(b"x" * 32)
    with pytest.raises(Refused):
        clearance.check_work(key, net, token, counter, now, TTL)


@pytest.mark.parametrize("token, counter", [
    (b"", b"1"), (b"1.2", b"1"), (b"a.12." + b"A" * 22, b"1"), (b"1.12." + b"A" * 21, b"1"),
    (b"1.0." + b"A" * 22, b"1"), (b"1.33." + b"A" * 22, b"1"), (b"9" * 41, b"1"),
    (b"1.12." + b"A" * 22, b""), (b"1.12." + b"A" * 22, b"-1"), (b"1.12." + b"A" * 22, b"9" * 16),
    (b"1.12." + b"A" * 22, b"1e5"), (b"1.12.3." + b"A" * 22, b"1"),
])
def test_malformed_answers_are_refused(token: bytes, counter: bytes) -> None:
    with pytest.raises(Refused):
        clearance.check_work(KEY, NET, token, counter, T0, TTL)


@pytest.mark.parametrize("secret", [b"", b"k" * 32, b"long" * 40])
def test_the_key_computes_hmac_sha256(secret: bytes) -> None:
    expected = hmac.digest(secret, b"a\0bc", "sha256")[:16]
    assert clearance.Key(secret).mac(b"a", b"bc") == base64.urlsafe_b64encode(expected)[:22]


def test_a_wait_token_ripens_after_its_seconds() -> None:
    token = clearance.wait_token(KEY, NET, 5, T0 + 0.9)  # issued within second T0
    assert clearance.wait_left(KEY, NET, token, T0 + 1, TTL) == 4
    assert clearance.wait_left(KEY, NET, token, T0 + 4.2, TTL) == 1
    assert clearance.wait_left(KEY, NET, token, T0 + 5, TTL) == 0
    assert clearance.wait_left(KEY, NET, token, T0 + 5 + TTL, TTL) == 0
    for key, net, now in ((KEY, NET, T0 + 6 + TTL), (KEY, OTHER, T0 + 6),
                         (clearance.Key(b"x"), NET, T0 + 6)):
        with pytest.raises(Refused):
            clearance.wait_left(key, net, token, now, TTL)
    with pytest.raises(Refused):  # a shorter wait written into the token
        clearance.wait_left(KEY, NET, token.replace(b".5.", b".0."), T0 + 1, TTL)


def test_clearance_is_bound_to_network_user_agent_and_time() -> None:
    value = clearance.clearance(KEY, NET, UA, 3600, T0)
    assert clearance.cleared(KEY, NET, UA, value, T0 + 3599)
    assert not clearance.cleared(KEY, NET, UA, value, T0 + 3600)
    assert not clearance.cleared(KEY, OTHER, UA, value, T0)
    assert not clearance.cleared(KEY, NET, b"curl/8.0", value, T0)
    assert not clearance.cleared(clearance.Key(b"x" * 32), NET, UA, value, T0)
    expires, mac = value.split(b".")
    assert not clearance.cleared(KEY, NET, UA, str(int(expires) + 9999).encode() + b"." + mac, T0)
    for junk in (b"", b"x", b"1.2.3", b"." * 30, b"9" * 500):
        assert not clearance.cleared(KEY, NET, UA, junk, T0)


def test_cookie_value() -> None:
    headers = [(b"Host", b"x"), (b"Cookie", b"a=1; altavoz_clearance=v.1"), (b"cookie", b"b=2")]
    assert clearance.cookie_value(headers, b"altavoz_clearance") == b"v.1"
    assert clearance.cookie_value(headers, b"b") == b"2"
    assert clearance.cookie_value(headers, b"missing") is None


@pytest.mark.parametrize("target, expected", [
    (b"/es/article/asamblea/", b"/es/article/asamblea/"), (b"/es/?page=2&q=a", b"/es/?page=2&q=a"),
    (b"//evil.example/", b"/"), (b"/\\evil.example/", b"/"), (b"https://evil.example/", b"/"),
    (b"evil", b"/"), (b"/es/\r\nSet-Cookie: x=1", b"/"), (b"/a\\b", b"/"), (b"/\xc3\xa9", b"/"),
    (b"/" + b"a" * 3000, b"/"), (b"", b"/"),
])
def test_only_local_paths_are_followed(target: bytes, expected: bytes) -> None:
    assert safe_next(target) == expected


def test_the_edge_key_is_private_and_made_once(tmp_path: Path) -> None:
    key = altavoz_home.edge_key(tmp_path)
    path = tmp_path / "keys" / altavoz_home.EDGE_KEY_FILE
    assert len(key) == 32 and path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "keys").stat().st_mode & 0o777 == 0o700
    assert altavoz_home.edge_key(tmp_path) == key
    other = tmp_path / "initialised"
    assert str(other / "keys" / altavoz_home.EDGE_KEY_FILE) in altavoz_home.initialise(other)
    assert altavoz_home.edge_key(other) != key


# --- in-process, through the protocol ---------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ctx(tmp_path: Path) -> EdgeContext:
    home, key = make_home(tmp_path)
    pages = default_pages()
    pages["/sitemap.xml"] = Page(b"<urlset/>", type="application/xml")
    pages["/es/feed/rss/"] = Page(b"<rss/>", type="application/rss+xml; charset=utf-8")
    pages["/es/news.xml"] = Page(b"<feed/>", type="application/atom+xml")  # a feed by type
    write_edition(home, key, pages)
    loader = Loader(home)
    loader.switch(loader.check())  # type: ignore[arg-type]
    settings = from_env(home=home, listen="127.0.0.1:0", origin="none").with_(
        attack_level="under_attack", challenge_bits_elevated=4, challenge_bits_under_attack=8,
        limit_read=None, limit_read_prefix=None, limit_forward=None, limit_forward_prefix=None,
        limit_costly=None, limit_costly_prefix=None)
    context = EdgeContext(settings, loader)
    context.gate.clock = Clock()
    return context


def get(path: str, *headers: str) -> bytes:
    lines = "".join(f"{line}\r\n" for line in (f"User-Agent: {UA.decode()}",) + headers)
    return f"GET {path} HTTP/1.1\r\nHost: x\r\n{lines}\r\n".encode()


def status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def header(response: bytes, name: str) -> str:
    found = re.search(rb"\r\n" + name.encode() + rb": ([^\r]*)", response, re.IGNORECASE)
    assert found, f"no {name} in {response[:400]!r}"
    return found.group(1).decode()


def tokens(page: bytes) -> tuple[bytes, str]:
    """The proof-of-work token and the wait path's URL, as a browser finds them."""
    work = re.search(rb'data-token="([^"]+)"', page)
    wait = re.search(rb'http-equiv="refresh" content="\d+;url=([^"]+)"', page)
    assert work and wait
    return work.group(1), wait.group(1).decode().replace("&amp;", "&")


def solved_url(page: bytes, next_path: str = "/es/") -> str:
    token, _ = tokens(page)
    return (f"/.well-known/altavoz/clearance?t={token.decode()}"
            f"&n={clearance.solve(token).decode()}&next={next_path}")


def test_under_attack_a_page_needs_clearance(ctx: EdgeContext) -> None:
    (page,) = ask(ctx, get("/es/article/asamblea/"))
    assert status(page) == 503
    assert header(page, "Cache-Control") == "no-store"
    assert "default-src 'none'" in header(page, "Content-Security-Policy")
    body = page.split(b"\r\n\r\n", 1)[1]
    assert b'<html lang="es">' in body and b"<h1>Un momento, por favor</h1>" in body
    assert b'role="status"' in body and b'<script src="/.well-known/altavoz/challenge.js">' in body
    assert b'data-bits="8"' in body and b"next=%2Fes%2Farticle%2Fasamblea%2F" in body
    assert b"http://" not in body and b"https://" not in body  # nothing from elsewhere
    (english,) = ask(ctx, get("/en/article/assembly/"))
    assert b'<html lang="en">' in english and b"One moment, please" in english
    (by_header,) = ask(ctx, get("/", "Accept-Language: en-GB,en;q=0.9"))
    assert b'<html lang="en">' in by_header
    (default,) = ask(ctx, get("/", "Accept-Language: fr"))
    assert b'<html lang="es">' in default


def test_a_solved_challenge_gives_a_cookie_that_lets_the_reader_in(ctx: EdgeContext) -> None:
    (page,) = ask(ctx, get("/es/article/asamblea/"))
    (granted,) = ask(ctx, get(solved_url(page, "/es/article/asamblea/")))
    assert status(granted) == 302
    assert header(granted, "Location") == "/es/article/asamblea/"
    cookie = header(granted, "Set-Cookie")
    assert cookie.startswith("altavoz_clearance=")
    for attribute in ("Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=21600"):
        assert attribute in cookie
    assert "Secure" not in cookie  # this edge speaks plain HTTP
    pair = cookie.split(";", 1)[0]
    (article,) = ask(ctx, get("/es/article/asamblea/", f"Cookie: theme=dark; {pair}"))
    assert status(article) == 200 and b"Asamblea campesina" in article
    # Another User-Agent, another network, or after expiry: challenged again.
    other_ua = get("/es/", f"Cookie: {pair}").replace(UA, b"curl/8.5")
    assert status(ask(ctx, other_ua)[0]) == 503
    assert status(ask(ctx, get("/es/", f"Cookie: {pair}"), peer="198.51.100.7")[0]) == 503
    ctx.gate.clock.now += 21600  # type: ignore[attr-defined]
    assert status(ask(ctx, get("/es/", f"Cookie: {pair}"))[0]) == 503


@pytest.mark.parametrize("query, expected", [
    ("t=1.8.AAAAAAAAAAAAAAAAAAAAAA&n=1&next=/es/", 403),  # forged
    ("w=1.5.AAAAAAAAAAAAAAAAAAAAAA&next=/es/", 403),
    ("next=/es/", 400), ("t=1&t=2&n=1", 400), ("a=1&b=2&c=3&d=4&e=5", 400), ("%%%", 400),
    ("t=" + "9" * 3000 + "&n=1", 403), ("t=1.8.AAAAAAAAAAAAAAAAAAAAAA&n=99999999999999999999", 403),
])
def test_bad_submissions_get_a_fresh_challenge(ctx: EdgeContext, query: str,
                                               expected: int) -> None:
    (answer,) = ask(ctx, get("/.well-known/altavoz/clearance?" + query))
    assert status(answer) == expected
    assert b"Set-Cookie" not in answer
    assert b"no era v\xc3\xa1lida" in answer and b'data-token="' in answer


def test_wrong_prefix_and_stale_answers_are_refused(ctx: EdgeContext) -> None:
    (page,) = ask(ctx, get("/es/"))
    url = solved_url(page)
    assert status(ask(ctx, get(url), peer="198.51.100.7")[0]) == 403
    ctx.gate.clock.now += TTL + 1  # type: ignore[attr-defined]
    assert status(ask(ctx, get(url))[0]) == 403


def test_the_next_path_never_leaves_the_site(ctx: EdgeContext) -> None:
    (page,) = ask(ctx, get("/es/"))
    for target in ("//evil.example/", "https%3A%2F%2Fevil.example%2F", "%2F%2Fevil.example"):
        (granted,) = ask(ctx, get(solved_url(page, target)))
        assert status(granted) == 302 and header(granted, "Location") == "/"


def test_the_wait_path_without_javascript(ctx: EdgeContext) -> None:
    clock = ctx.gate.clock
    (page,) = ask(ctx, get("/es/article/asamblea/"))
    _, url = tokens(page)
    assert b'content="5;url=' in page and b"Espera 5 segundos" in page
    assert "next=%2Fes%2Farticle%2Fasamblea%2F" in url
    # A link does what the refresh does, for browsers that do not refresh by themselves.
    assert f'<a href="{url.replace("&", "&amp;")}">Continuar</a>'.encode() in page
    clock.now += 3  # type: ignore[attr-defined]
    (early,) = ask(ctx, get(url))
    assert status(early) == 429 and header(early, "Retry-After") == "2"
    assert b'content="2;url=' in early and b"faltan 2 segundos" in early
    assert tokens(early)[1] == url  # the same token: waiting again does not restart
    clock.now += 2  # type: ignore[attr-defined]
    (granted,) = ask(ctx, get(url))
    assert status(granted) == 302 and header(granted, "Location") == "/es/article/asamblea/"
    pair = header(granted, "Set-Cookie").split(";", 1)[0]
    assert status(ask(ctx, get("/es/article/asamblea/", f"Cookie: {pair}"))[0]) == 200
    clock.now += TTL + 1  # type: ignore[attr-defined]
    (expired,) = ask(ctx, get(url))
    assert status(expired) == 403 and tokens(expired)[1] != url
    metrics = ctx.metrics
    assert (metrics.challenged, metrics.cleared, metrics.challenge_refused) == (1, 1, 1)
    assert b"altavoz_edge_cleared_total 1" in ctx.render_metrics()


@pytest.mark.parametrize("path", ["/robots.txt", "/sitemap.xml", "/es/feed/", "/es/feed/rss/",
                                  "/es/news.xml", "/healthz", "/.well-known/altavoz/public-key",
                                  "/.well-known/altavoz/challenge.js",
                                  "/.well-known/altavoz/challenge-worker.js"])
def test_feeds_and_crawler_files_are_never_challenged(ctx: EdgeContext, path: str) -> None:
    (answer,) = ask(ctx, f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())  # no User-Agent
    assert status(answer) == 200


def test_the_scripts_are_served_by_the_edge(ctx: EdgeContext) -> None:
    for name in ("challenge.js", "challenge-worker.js"):
        (answer,) = ask(ctx, get(f"/.well-known/altavoz/{name}"))
        assert header(answer, "Content-Type") == "text/javascript; charset=utf-8"
        assert len(answer.split(b"\r\n\r\n", 1)[1]) < 5000  # a few KB
    (posted,) = ask(ctx, b"POST /.well-known/altavoz/clearance HTTP/1.1\r\nHost: x\r\n"
                         b"Content-Length: 2\r\n\r\nab")
    assert status(posted) == 405


def test_difficulty_follows_the_level(ctx: EdgeContext) -> None:
    (attack,) = ask(ctx, get("/es/"))
    ctx.attack_level = "elevated"
    (elevated,) = ask(ctx, get("/es/account/login/"))
    assert b'data-bits="8"' in attack and b'data-bits="4"' in elevated
    token = tokens(elevated)[0]
    assert token.split(b".")[1] == b"4"


def test_elevated_challenges_suspicious_clients_and_forwarded_requests(
        tmp_path: Path) -> None:
    home, key = make_home(tmp_path)
    write_edition(home, key)
    loader = Loader(home)
    loader.switch(loader.check())  # type: ignore[arg-type]
    ctx = EdgeContext(from_env(home=home, listen="127.0.0.1:0", origin="none").with_(
        attack_level="elevated", limit_read=Budget(1, 20)), loader)
    assert status(ask(ctx, get("/es/"))[0]) == 200
    assert status(ask(ctx, get("/es/account/login/"))[0]) == 503
    # The rate limiter finds a client suspicious past half its burst: then it is asked too.
    statuses = [status(answer) for answer in ask(ctx, *[get("/es/")] * 8)]
    first = statuses.index(503)
    assert first >= 2 and set(statuses[:first]) == {200}, statuses
    assert status(ask(ctx, get("/es/"), peer="198.51.100.7")[0]) == 200  # not its neighbours
    (posted,) = ask(ctx, b"POST /es/comment/ HTTP/1.1\r\nHost: x\r\nUser-Agent: a\r\n"
                         b"Content-Length: 5\r\n\r\nhola!", peer="192.0.2.1")
    assert status(posted) == 503 and b"todav\xc3\xada no se ha guardado" in posted
    (api,) = ask(ctx, b"POST /api/v1/articles HTTP/1.1\r\nHost: x\r\nUser-Agent: a\r\n"
                      b"Content-Length: 2\r\n\r\n{}", peer="192.0.2.2")
    assert status(api) == 503 and header(api, "Content-Type") == "application/json"


def test_replayed_answers_do_not_bypass_the_challenge(ctx: EdgeContext) -> None:
    ctx.attack_level = "normal"
    request = get("/es/")
    first, second = ask(ctx, request, request)
    assert status(first) == status(second) == 200 and ctx.metrics.replayed == 1
    ctx.attack_level = "under_attack"
    assert status(ask(ctx, request)[0]) == 503
    assert ctx.metrics.replayed == 1


def test_the_page_is_small(ctx: EdgeContext) -> None:
    (page,) = ask(ctx, get("/es/article/asamblea/"))
    assert len(page) < 4000


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.binary(max_size=300))
def test_any_submission_gets_an_answer_not_an_error(ctx: EdgeContext, query: bytes) -> None:
    target = b"/.well-known/altavoz/clearance?" + bytes(b for b in query if 0x20 < b < 0x7F)
    (answer,) = ask(ctx, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status(answer) in {302, 400, 403, 429}


def test_gate_settings_reach_the_page(tmp_path: Path) -> None:
    settings_ = from_env(home=tmp_path, listen="127.0.0.1:0", origin="none").with_(
        challenge_wait=9, clearance_lifetime=1800, clearance_cookie="paso")
    gate = Gate(settings_, tls=True, clock=lambda: T0)
    request = Request()
    body = gate.page(503, NET, "elevated", b"/en/", "en", request, False, b"\r\n")
    assert b'content="9;url=' in body and b"30 minutes" in body
    assert gate.cookie_tail.endswith(b"; Secure; Max-Age=1800") and gate.cookie == b"paso"


# --- a real edge --------------------------------------------------------------------------


def _edge_pages() -> dict[str, Page]:
    pages = default_pages()
    pages["/sitemap.xml"] = Page(b'<?xml version="1.0"?><urlset/>', type="application/xml")
    return pages


@pytest.fixture
def attacked(start_edge, tmp_path: Path):
    home = make_home(tmp_path / "attacked")
    write_edition(*home, _edge_pages())
    return start_edge(env={"ALTAVOZ_EDGE_ATTACK_LEVEL": "under_attack",
                           "ALTAVOZ_EDGE_CHALLENGE_BITS_UNDER_ATTACK": "10",
                           "ALTAVOZ_EDGE_CHALLENGE_WAIT": "0"}, home=home)


def _raw_get(edge, path: str, source: str = "127.0.0.1", cookie: str | None = None):
    from tests.shield.conftest import raw

    client = raw(edge, source)
    try:
        extra = f"Cookie: {cookie}\r\n" if cookie else ""
        client.send(f"GET {path} HTTP/1.1\r\nHost: x\r\nUser-Agent: {UA.decode()}\r\n"
                    f"{extra}\r\n".encode())
        return client.response()
    finally:
        client.close()


def test_a_real_edge_under_attack(attacked) -> None:
    code, headers, body = _raw_get(attacked, "/es/article/asamblea/")
    assert code == 503 and headers["cache-control"] == "no-store"
    token, wait_url = tokens(body)
    counter = clearance.solve(token)
    code, headers, _ = _raw_get(
        attacked, f"/.well-known/altavoz/clearance?t={token.decode()}&n={counter.decode()}"
                  "&next=%2Fes%2Farticle%2Fasamblea%2F")
    assert code == 302 and headers["location"] == "/es/article/asamblea/"
    pair = headers["set-cookie"].split(";", 1)[0]
    code, _, body = _raw_get(attacked, "/es/article/asamblea/", cookie=pair)
    assert code == 200 and b"Asamblea campesina" in body
    # The same cookie from another address of another /24 is refused.
    code, _, body = _raw_get(attacked, "/es/article/asamblea/", "127.1.2.3", cookie=pair)
    assert code == 503 and b'data-token="' in body
    # The wait path (a zero wait here) leads to a cookie too.
    code, headers, _ = _raw_get(attacked, wait_url)
    assert code == 302 and headers["set-cookie"].startswith("altavoz_clearance=")
    query = parse_qs(urlsplit(wait_url).query)
    assert query["next"] == ["/es/article/asamblea/"]


def test_a_real_edge_serves_feeds_and_crawler_files_without_challenge(attacked) -> None:
    for path in ("/es/feed/", "/sitemap.xml", "/robots.txt", "/healthz",
                 "/.well-known/altavoz/public-key", "/.well-known/altavoz/challenge.js"):
        response, _ = attacked.get(path)  # http.client: no User-Agent, no cookie
        assert response.status == 200, path
    response, body = attacked.get("/es/")
    assert response.status == 503
    assert challenge.PASS.decode() in body.decode()
