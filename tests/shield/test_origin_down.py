"""The origin is down: every public page is still served. A real edition of a
small site, an edge whose origin address answers nothing, and a crawl of the
sitemap and of every link on the pages it names."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from django.db import transaction
from django.test import override_settings

from altavoz.editions import signing, store
from altavoz.editions.build import build
from altavoz.home import initialise
from altavoz.shield.routes import DEFAULT_LANGUAGES, is_origin_path
from tests.editions.site import make_small_site
from tests.shield.conftest import Edge, _start, _stop

# The module's fixture builds in the test database: pytest-django must create it.
pytestmark = pytest.mark.django_db

HREF = re.compile(rb'href="(/[^"#?]*)"')


def _dead_address() -> str:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture(scope="module")
def edge(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[tuple[Edge, Path]]:
    tmp = tmp_path_factory.mktemp("origin-down")
    home = tmp / "home"
    initialise(home)
    with (django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp / "media"),
          transaction.atomic()):
        make_small_site()
        build(home)  # with the static files: pages need their stylesheet too
        transaction.set_rollback(True)
    started = _start(home, signing.load_signing_key(home), _dead_address(),
                     {"ALTAVOZ_EDGE_LIMIT_READ": "off", "ALTAVOZ_EDGE_LIMIT_READ_PREFIX": "off",
                      "ALTAVOZ_EDGE_ATTACK_LEVEL": "normal"})
    yield started, home
    _stop(started)


def _locations(body: bytes) -> list[str]:
    return [urlsplit(loc.text or "").path for loc in ElementTree.fromstring(body).iter()
            if loc.tag.endswith("}loc") or loc.get("href")] + [
        urlsplit(link.get("href") or "").path for link in ElementTree.fromstring(body).iter()
        if link.get("href")]


def test_every_page_the_sitemap_names_and_every_link_on_them_is_served(edge):
    server, home = edge
    response, body = server.get("/sitemap.xml")
    assert response.status == 200
    named = {path for path in _locations(body) if path}
    assert len(named) >= 6
    crawled: dict[str, int] = {}
    for path in sorted(named):
        response, page = server.get(path)
        crawled[path] = response.status
        for link in HREF.findall(page):
            target = link.decode()
            if not is_origin_path(target, DEFAULT_LANGUAGES) and target not in crawled:
                crawled[target] = server.get(target)[0].status
    assert crawled.pop("/", 302) == 302  # to the default language's front page
    assert {path: status for path, status in crawled.items() if status != 200} == {}
    # Everything the edition holds was served from it, nothing had to be asked for.
    live = store.read_resolved(home, store.current_id(home))[1]["paths"]
    assert set(crawled) <= set(live), "a page that is not in the edition"


def test_writes_get_a_friendly_503_in_the_readers_language(edge):
    server, _home = edge
    response, body = server.get("/es/write/", method="POST", body=b"title=x",
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 503 and response.getheader("Retry-After")
    assert 'lang="es"' in body.decode()
    response, body = server.get("/en/account/login/")
    assert response.status == 503 and 'lang="en"' in body.decode()
