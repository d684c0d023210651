"""A feed reader's view of a seeded site: every page in the sitemap announces a
feed, and every feed announced anywhere parses without error."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import feedparser
import pytest
from django.test import Client

from altavoz.newsroom.seed import seed

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
LISTING_LINK = re.compile(r'href="(/(?:es|en)/(?:tag|contributor|organization)/[^"/]+/)"')
ALTERNATE = re.compile(
    r'<link rel="alternate" type="application/(?:atom|rss)\+xml"[^>]*href="([^"]+)"'
)


def _sitemap_paths(client: Client) -> list[str]:
    root = ElementTree.fromstring(client.get("/sitemap.xml").content)
    locations = [loc.text for loc in root.iterfind(".//sm:loc", SITEMAP_NS)]
    if root.tag.endswith("sitemapindex"):
        locations = [
            loc.text
            for part in locations
            for loc in ElementTree.fromstring(
                client.get(re.sub(r"^https?://[^/]+", "", part)).content
            ).iterfind(".//sm:loc", SITEMAP_NS)
        ]
    return [re.sub(r"^https?://[^/]+", "", url) for url in locations]


@pytest.mark.django_db
def test_every_announced_feed_parses():
    seed(articles=80, seed_value=7)
    client = Client()
    paths = _sitemap_paths(client)
    assert len(paths) > 50
    feeds: set[str] = set()
    listings: set[str] = set()
    for path in paths + ["/es/organizations/", "/en/hidden/", "/es/moderation/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        found = ALTERNATE.findall(html)
        assert found, f"{path} announces no feed"
        feeds.update(found)
        listings.update(LISTING_LINK.findall(html))
    # Tag, contributor and organization pages, as a reader reaches them from articles.
    for path in sorted(listings):
        response = client.get(path)
        assert response.status_code == 200, path
        feeds.update(ALTERNATE.findall(response.content.decode()))
    for kind in ("/section/", "/tag/", "/contributor/", "/organization/", "/comments/"):
        assert any(kind in f for f in feeds), kind
    for url in sorted(feeds):
        response = client.get(url)
        assert response.status_code == 200, url
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo, (url, parsed.get("bozo_exception"))
        ids = [entry.id for entry in parsed.entries]
        assert len(ids) == len(set(ids)), url
