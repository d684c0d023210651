"""The sitemap and robots.txt, as a crawler reads them."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

from django.utils import timezone

from altavoz.newsroom.models import Article

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "xhtml": "http://www.w3.org/1999/xhtml"}
BASE = "http://testserver"


def sitemap(client) -> dict[str, dict[str, str]]:
    """{location: {hreflang: href}} for every URL in the sitemap."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    root = ElementTree.fromstring(response.content)
    found = {}
    for url in root.findall("sm:url", NS):
        loc = url.find("sm:loc", NS).text
        found[loc] = {
            link.get("hreflang"): link.get("href") for link in url.findall("xhtml:link", NS)
        }
    return found


def test_sitemap_lists_front_pages_sections_and_listed_articles(client, publish, other_section):
    publish("Pública")
    publish("Public", language="en")
    publish("Escondida", status=Article.Status.HIDDEN, hidden_reason="r")
    publish("Borrador", status=Article.Status.DRAFT, published_at=None)
    publish("Futura", published_at=timezone.now() + timedelta(days=1))
    urls = sitemap(client)
    for path in ["/es/", "/en/", "/es/section/news/", "/en/section/opinion/",
                 "/es/article/publica/", "/en/article/public/", "/es/about/"]:
        assert BASE + path in urls, path
    assert not any(word in url for url in urls for word in ("escondida", "borrador", "futura"))
    assert urls[BASE + "/es/"] == {
        "es": BASE + "/es/", "en": BASE + "/en/", "x-default": BASE + "/",
    }
    assert urls[BASE + "/en/section/news/"] == {
        "es": BASE + "/es/section/news/", "en": BASE + "/en/section/news/",
    }
    assert not any("/account/" in url or "/editor/" in url for url in urls)


def test_article_alternates_come_from_its_translations(client, publish):
    spanish = publish("Marcha")
    publish("March", language="en", group=spanish.group)
    publish("Sola")
    urls = sitemap(client)
    pair = {"es": BASE + "/es/article/marcha/", "en": BASE + "/en/article/march/"}
    assert urls[BASE + "/es/article/marcha/"] == pair
    assert urls[BASE + "/en/article/march/"] == pair
    assert urls[BASE + "/es/article/sola/"] == {}  # no translation, no alternates


def test_hidden_translation_is_not_an_alternate(client, publish):
    spanish = publish("Visible")
    publish("Hidden", language="en", group=spanish.group, status=Article.Status.HIDDEN,
            hidden_reason="r")
    assert sitemap(client)[BASE + "/es/article/visible/"] == {}


def test_sitemap_queries_do_not_grow_with_articles(client, publish, django_assert_max_num_queries):
    for i in range(30):
        publish(f"Nota {i}")
    # Two of these count the URLs, to choose between one file and an index.
    with django_assert_max_num_queries(8):
        client.get("/sitemap.xml")


def test_robots_txt(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    for rule in ["Allow: /", "Disallow: /es/account/", "Disallow: /en/account/",
                 "Disallow: /*/editor/", "Disallow: /manage/", "Disallow: /*/write/"]:
        assert rule in lines, rule
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    # First-match crawlers must meet every Disallow before the catch-all Allow.
    last_disallow = max(i for i, line in enumerate(lines) if line.startswith("Disallow:"))
    assert lines.index("Allow: /") > last_disallow
    assert not any(line in {"Disallow: /", "Disallow: /es/", "Disallow: /en/"} for line in lines)
