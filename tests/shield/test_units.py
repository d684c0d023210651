"""The edge's small pure parts: negotiation, paths, addresses, settings, routes."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from altavoz.config import ConfigError
from altavoz.shield import addresses, http, routes
from altavoz.shield.accesslog import AccessLog
from altavoz.shield.settings import from_env
from tests.shield.conftest import ROOT


@pytest.mark.parametrize("value, code", [
    (None, http.IDENTITY), (b"", http.IDENTITY), (b"gzip", http.GZIP), (b"br", http.BR),
    (b"gzip, deflate, br", http.BOTH), (b"br;q=0.9, gzip;q=1", http.BOTH_GZIP_FIRST),
    (b"gzip;q=0", http.IDENTITY), (b"*", http.BOTH), (b"*;q=0", http.IDENTITY),
    (b"gzip;q=abc", http.IDENTITY), (b"x-gzip", http.GZIP), (b"GZIP", http.GZIP),
    (b"br;q=0, *", http.GZIP),
])
def test_encoding_code(value: bytes | None, code: int) -> None:
    assert http.encoding_code(value) == code


def test_etag_matching() -> None:
    tag = b'"abc"'
    assert http.etag_matches(b'"abc"', tag)
    assert http.etag_matches(b'W/"abc"', tag)
    assert http.etag_matches(b'"x", "abc"', tag)
    assert http.etag_matches(b"*", tag)
    assert not http.etag_matches(b'"abcd"', tag)
    assert not http.etag_matches(b"abc", tag)


@pytest.mark.parametrize("header, size, expected", [
    (b"bytes=0-9", 100, (0, 9)), (b"bytes=90-", 100, (90, 99)), (b"bytes=-10", 100, (90, 99)),
    (b"bytes=-1000", 100, (0, 99)), (b"bytes=50-5000", 100, (50, 99)),
    (b"bytes=100-", 100, False), (b"bytes=-0", 100, False), (b"bytes=5-1", 100, None),
    (b"bytes=0-1,3-4", 100, None), (b"items=0-1", 100, None), (b"bytes=a-b", 100, None),
    (b"bytes=1", 100, None), (b"bytes=" + b"9" * 30 + b"-", 100, None),
])
def test_parse_range(header: bytes, size: int, expected: object) -> None:
    assert http.parse_range(header, size) == expected


@pytest.mark.parametrize("target, path, query", [
    (b"/es/?a=1", b"/es/", b"a=1"), (b"/es/", b"/es/", b""), (b"http://h/x?y", b"/x", b"y"),
    (b"https://h", b"/", b""),
])
def test_split_target(target: bytes, path: bytes, query: bytes) -> None:
    assert http.split_target(target) == (path, query)


def test_split_target_refuses_other_forms() -> None:
    for target in (b"*", b"example.org:443", b"ftp://x/"):
        with pytest.raises(http.BadPath):
            http.split_target(target)


def test_normalise() -> None:
    assert http.normalise(b"/es/caf%C3%A9/") == "/es/café/"
    for bad in (b"/a/../b", b"/a/%2E%2E/b", b"/./", b"/%00", b"/%ff", b"/a%5cb", b"/a\\b",
                b"/%0d%0a"):
        with pytest.raises(http.BadPath):
            http.normalise(bad)


@pytest.mark.parametrize("path, accept, expected", [
    ("/en/write/", b"es", "en"), ("/es/", None, "es"), ("/manage/", b"en-GB,en;q=0.9", "en"),
    ("/manage/", b"fr, en;q=0.5, es;q=0.8", "es"), ("/manage/", b"fr", "es"),
    ("/manage/", b"en;q=0", "es"), ("/manage/", b"en;q=x", "es"),
])
def test_language_of(path: str, accept: bytes | None, expected: str) -> None:
    assert http.language_of(path, accept, ("es", "en"), "es") == expected


def test_addresses_are_truncated() -> None:
    assert addresses.log_network("203.0.113.77") == "203.0.113.0/24"
    assert addresses.log_network("2001:db8:aaaa:bbbb::1") == "2001:db8:aaaa::/48"
    assert addresses.origin_network("2001:db8:aaaa:bbbb::1") == "2001:db8:aaaa:bbbb::/64"
    assert addresses.origin_network("::ffff:198.51.100.9") == "198.51.100.0/24"
    assert addresses.log_network("not an address") == "unknown"


def test_forwarded_for_takes_the_first_untrusted_from_the_right() -> None:
    proxies = from_env_networks("10.0.0.0/8")
    assert addresses.from_forwarded_for([b"1.1.1.1, 2.2.2.2, 10.0.0.5"], "10.0.0.1",
                                        proxies) == "2.2.2.2"
    assert addresses.from_forwarded_for([b"1.1.1.1", b"10.0.0.9"], "10.0.0.1",
                                        proxies) == "1.1.1.1"
    assert addresses.from_forwarded_for([b"garbage, 10.0.0.9"], "10.0.0.1",
                                        proxies) == "10.0.0.1"
    assert addresses.from_forwarded_for([b"[2001:db8::1]:443"], "10.0.0.1",
                                        proxies) == "2001:db8::1"


def from_env_networks(raw: str):
    import ipaddress

    return tuple(ipaddress.ip_network(item) for item in raw.split(","))


def test_proxy_v1_lines() -> None:
    assert addresses.parse_proxy_v1(b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n") == "1.2.3.4"
    assert addresses.parse_proxy_v1(b"PROXY UNKNOWN\r\n") is None
    for bad in (b"PROXY TCP4 1.2.3.4\r\n", b"PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n",
                b"GET / HTTP/1.1\r\n", b"PROXY TCP4 x y 1 2\r\n"):
        with pytest.raises(addresses.ProxyHeaderError):
            addresses.parse_proxy_v1(bad)


def test_origin_paths() -> None:
    languages = ("es", "en")
    for path in ("/es/account/login/", "/en/write/", "/es/editor/comments/", "/es/mine/",
                 "/es/comment/3/reply/", "/es/article/x/comment/", "/api/v1/articles/9",
                 "/manage/", "/media/x.png", "/es/search/"):
        assert routes.is_origin_path(path, languages), path
    for path in ("/", "/es/", "/es/article/x/", "/es/article/x/comments/feed/", "/fr/write/",
                 "/es/section/write/", "/robots.txt", "/api/v1"):
        assert not routes.is_origin_path(path, languages), path
    assert routes.query_selects(b"/es/search/", languages)
    assert routes.query_selects(b"/api/v1/articles", languages)
    assert not routes.query_selects(b"/es/", languages)
    assert not routes.query_selects(b"/es/tag/search/", languages)


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("ALTAVOZ_EDGE_HEADER_TIMEOUT", "2.5")
    monkeypatch.setenv("ALTAVOZ_EDGE_TRUSTED_PROXIES", "10.0.0.0/8, ::1")
    monkeypatch.setenv("ALTAVOZ_EDGE_ORIGIN", "unix:/run/altavoz.sock")
    settings = from_env(home=tmp_path, listen="[::1]:8080")
    assert settings.header_timeout == 2.5
    assert len(settings.trusted_proxies) == 2
    assert settings.origin.unix == "/run/altavoz.sock"
    assert settings.listen.host == "::1" and settings.listen.port == 8080
    assert settings.metrics_listen.port == 9108
    for name, value in (("ALTAVOZ_EDGE_HEADER_TIMEOUT", "soon"),
                        ("ALTAVOZ_EDGE_HEADER_TIMEOUT", "nan"),
                        ("ALTAVOZ_EDGE_MAX_HEADERS", "2"),
                        ("ALTAVOZ_EDGE_TRUSTED_PROXIES", "everyone"),
                        ("ALTAVOZ_EDGE_ORIGIN", "nowhere"),
                        ("ALTAVOZ_EDGE_ACCESS_LOG", "syslog"),
                        ("ALTAVOZ_EDGE_TLS_CERT", "/x.pem")):
        with monkeypatch.context() as patch:
            patch.setenv(name, value)
            with pytest.raises(ConfigError, match=name):
                from_env(home=tmp_path)


def test_access_log_lines_are_json_without_addresses() -> None:
    stream = io.StringIO()
    log = AccessLog(stream, owned=False)
    log.record("203.0.113.0/24", "GET", '/es/"quoted"\\', 200, 1234, 56, "abcdef012345")
    log.flush()
    line = json.loads(stream.getvalue())
    assert line["client"] == "203.0.113.0/24" and line["path"] == '/es/"quoted"\\'
    assert set(line) == {"time", "client", "method", "path", "status", "bytes", "us", "edition"}


def test_the_edge_does_not_import_django() -> None:
    code = ("import sys, altavoz.shield.server, altavoz.shield.__main__; "
            "bad = [m for m in sys.modules if m.split('.')[0] == 'django']; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60,
                   env={"PATH": "/usr/bin:/bin"})


def test_every_edge_setting_is_documented() -> None:
    import re

    code = (ROOT / "altavoz" / "shield" / "settings.py").read_text()
    docs = (ROOT / "docs" / "SETTINGS.md").read_text()
    names = set(re.findall(r'"(ALTAVOZ_EDGE_[A-Z_]+)"', code))
    assert names, "no settings found"
    missing = sorted(name for name in names if f"`{name}`" not in docs)
    assert not missing, missing
