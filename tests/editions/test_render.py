"""Rendering one path as the edition stores it: the base URL's host and scheme in
absolute links, whatever ALLOWED_HOSTS says; the page's language; no cookie."""

from __future__ import annotations

import pytest

from altavoz.config import ConfigError
from altavoz.editions.render import BaseUrl, Renderer, RenderError


@pytest.mark.parametrize("raw", ["example.org", "ftp://example.org", "https://example.org/news/",
                                 "https://example.org/?q=1", "https://:80", "http://h:99999"])
def test_base_url_must_be_a_scheme_and_a_host(raw):
    with pytest.raises(ConfigError, match="ALTAVOZ_BASE_URL"):
        BaseUrl.parse(raw)


def test_base_url_parts():
    base = BaseUrl.parse("https://Example.org:8443/")
    assert (base.url, base.server_name, base.server_port) == (
        "https://example.org:8443", "example.org", "8443")
    assert BaseUrl.parse("http://[::1]:8000").server_name == "[::1]"


def test_absolute_links_name_the_base_url(db, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1"]  # the build accepts its own host regardless
    renderer = Renderer(BaseUrl.parse("https://altavoz.example"))
    with renderer.session():
        robots = renderer.render("/robots.txt")
        feed = renderer.render("/en/feed/")
    assert b"Sitemap: https://altavoz.example/sitemap.xml" in robots.body
    assert robots.lang is None and robots.content_type == "text/plain; charset=utf-8"
    assert b"https://altavoz.example/en/" in feed.body and feed.lang == "en"
    assert "Content-Type" not in feed.headers and "Vary" not in feed.headers
    assert feed.headers["X-Content-Type-Options"] == "nosniff"
    assert settings.ALLOWED_HOSTS == ["127.0.0.1"]  # put back


def test_a_page_that_sets_a_cookie_is_refused(db):
    renderer = Renderer(BaseUrl.parse("http://127.0.0.1:8000"))
    with renderer.session(), pytest.raises(RenderError, match="must never set cookies"):
        renderer.render("/es/account/login/")
