"""Past the protocol's 50,000 URLs per file, /sitemap.xml becomes an index of parts
with path addresses (a static mirror cannot serve ?p=2)."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from altavoz.syndication.sitemap_views import _limited

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def _locations(content: bytes) -> list[str]:
    return [loc.text for loc in ElementTree.fromstring(content).iterfind(".//sm:loc", NS)]


def test_small_site_has_a_single_sitemap(client, publish):
    publish("Uno")
    root = ElementTree.fromstring(client.get("/sitemap.xml").content)
    assert root.tag.endswith("urlset")


def test_large_site_gets_an_index_whose_parts_hold_every_url(client, publish, settings):
    for n in range(14):
        publish(f"Artículo {n}", minutes_ago=n)
    settings.ALTAVOZ_SITEMAP_LIMIT = 10
    total = sum(s.paginator.count for s in _limited().values())
    assert total > 10

    response = client.get("/sitemap.xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag.endswith("sitemapindex")
    parts = _locations(response.content)
    assert all(re.fullmatch(r"http://testserver/sitemap-[a-z]+-\d+\.xml", p) for p in parts)

    seen: list[str] = []
    for part in parts:
        answer = client.get(part.removeprefix("http://testserver"))
        assert answer.status_code == 200
        assert answer["Content-Type"].startswith("application/xml")
        seen += _locations(answer.content)
    assert "http://testserver/es/article/articulo-13/" in seen
    assert len(seen) == len(set(seen))


def test_unknown_or_out_of_range_parts_are_404(client, db):
    assert client.get("/sitemap-nothing-1.xml").status_code == 404
    assert client.get("/sitemap-articles-99.xml").status_code == 404


def test_a_sitemap_of_thousands_of_articles_with_translations(client, db, section):
    # Regression: one IN list per page broke SQLite past ~1,000 articles.
    from altavoz.newsroom.models import Article, TranslationGroup

    groups = TranslationGroup.objects.bulk_create(TranslationGroup() for _ in range(1500))
    Article.objects.bulk_create(
        Article(group=g, language=lang, title=f"t{g.pk}{lang}", slug=f"t-{g.pk}-{lang}",
                lede="x", body="x", section=section, status="published",
                published_at="2026-01-01T00:00Z")
        for g in groups for lang in ("es", "en")
    )
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.content.count(b"<url>") >= 3000
    assert b'hreflang="en"' in response.content
