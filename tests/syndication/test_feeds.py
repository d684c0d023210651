"""Feeds, read with feedparser as a feed reader would read them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from django.utils import timezone

from altavoz.newsroom.models import Article, Tag

Status = Article.Status


def parse(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    assert "Set-Cookie" not in response.headers
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, (url, feed.get("bozo_exception"))
    return response, feed


def titles(feed) -> list[str]:
    return [entry.title for entry in feed.entries]


def test_latest_atom_lists_listed_articles_of_the_language_newest_first(client, publish):
    publish("Vieja", minutes_ago=30)
    publish("Nueva", minutes_ago=1)
    publish("English one", language="en")
    publish("Oculta", status=Status.HIDDEN, hidden_reason="r")
    publish("Borrador", status=Status.DRAFT, published_at=None)
    publish("Futura", published_at=timezone.now() + timedelta(hours=1))
    response, feed = parse(client, "/es/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    assert feed.version == "atom10"
    assert feed.feed.title == "altavoz" and feed.feed.language == "es"
    assert feed.feed.link == "http://testserver/es/"
    assert titles(feed) == ["Nueva", "Vieja"]
    assert titles(parse(client, "/en/feed/")[1]) == ["English one"]


def test_entry_ids_are_stable_and_survive_edits(client, publish):
    article = publish("Título original")
    first = parse(client, "/es/feed/")[1].entries[0].id
    assert first == parse(client, "/es/feed/")[1].entries[0].id
    assert first == uuid.uuid5(article.group.uuid, "es").urn
    article.title = "Título corregido"
    article.save()
    entry = parse(client, "/es/feed/")[1].entries[0]
    assert entry.title == "Título corregido" and entry.id == first


def test_translations_are_distinct_entries(client, publish):
    spanish = publish("Hola")
    english = publish("Hello", language="en", group=spanish.group)
    es_id = parse(client, "/es/feed/")[1].entries[0].id
    en_id = parse(client, "/en/feed/")[1].entries[0].id
    assert es_id != en_id
    assert en_id == uuid.uuid5(english.group.uuid, "en").urn


def test_entry_times_links_and_summary(client, publish):
    published = timezone.now() - timedelta(days=2)
    article = publish("Con fechas", published_at=published, lede="Resumen & <más>")
    Article.objects.filter(pk=article.pk).update(updated_at=published + timedelta(hours=3))
    entry = parse(client, "/es/feed/")[1].entries[0]
    assert entry.link == "http://testserver/es/article/con-fechas/"
    # The summary is HTML in Atom: plain-text ledes arrive escaped, never as markup.
    assert entry.summary == "Resumen &amp; &lt;más&gt;"
    published_parsed = datetime(*entry.published_parsed[:6], tzinfo=UTC)
    updated_parsed = datetime(*entry.updated_parsed[:6], tzinfo=UTC)
    assert abs(published_parsed - published) < timedelta(seconds=1)
    assert abs(updated_parsed - (published + timedelta(hours=3))) < timedelta(seconds=1)


def test_scheduled_then_published_entry_is_never_updated_before_published(client, publish):
    article = publish("Programada")
    Article.objects.filter(pk=article.pk).update(updated_at=timezone.now() - timedelta(days=1))
    entry = parse(client, "/es/feed/")[1].entries[0]
    assert entry.updated_parsed >= entry.published_parsed


def test_titles_are_plain_text(client, publish):
    publish("Tierra & libertad <ya>", slug="tierra-y-libertad")
    assert titles(parse(client, "/es/feed/")[1]) == ["Tierra & libertad <ya>"]


def test_authors_in_entries(client, publish, contributor, organization):
    contributor.display_name = "Ana Pérez"
    contributor.save()
    publish("De Ana", minutes_ago=3)
    publish("Del consejo", organization=organization, minutes_ago=2)
    publish("Unsigned", author=None, language="en")
    entries = {e.title: e for e in parse(client, "/es/feed/")[1].entries}
    assert entries["De Ana"].author_detail.name == "Ana Pérez"
    assert entries["De Ana"].author_detail.href == "http://testserver/es/contributor/ana/"
    assert entries["Del consejo"].author_detail.name == "Consejo Comunal El Valle"
    assert "ana" not in entries["Del consejo"].author_detail.href
    assert parse(client, "/en/feed/")[1].entries[0].author == "anonymous"


def test_rss_feed(client, publish):
    article = publish("En RSS", lede="Resumen RSS")
    response, feed = parse(client, "/es/feed/rss/")
    assert response["Content-Type"].startswith("application/rss+xml")
    assert feed.version == "rss20"
    entry = feed.entries[0]
    assert entry.title == "En RSS" and entry.summary == "Resumen RSS"
    assert entry.id == uuid.uuid5(article.group.uuid, "es").urn
    assert entry.guidislink is False


def test_section_and_tag_feeds(client, publish, other_section):
    tag = Tag.objects.create(slug="agua", name="agua")
    publish("En noticias").tags.add(tag)
    publish("En opinión", section=other_section)
    _response, feed = parse(client, "/es/section/news/feed/")
    assert feed.feed.title == "altavoz: Noticias" and titles(feed) == ["En noticias"]
    assert feed.feed.link == "http://testserver/es/section/news/"
    _response, feed = parse(client, "/es/tag/agua/feed/")
    assert titles(feed) == ["En noticias"]
    assert {t.term for t in feed.entries[0].tags} == {"Noticias", "agua"}
    assert client.get("/es/section/nada/feed/").status_code == 404
    assert client.get("/es/tag/nada/feed/").status_code == 404


def test_contributor_feed_leaves_out_what_an_organization_published(
    client, publish, organization
):
    publish("Personal")
    publish("Personal in English", language="en")
    publish("Comunicado", organization=organization)
    _response, feed = parse(client, "/es/contributor/ana/feed/")
    assert sorted(titles(feed)) == ["Personal", "Personal in English"]
    assert {e.get("language") for e in feed.entries} <= {"es", "en", None}
    _response, feed = parse(client, "/es/organization/consejo-comunal-el-valle/feed/")
    assert titles(feed) == ["Comunicado"]
    assert "ana" not in feed.entries[0].author_detail.get("href", "")


@pytest.mark.parametrize(
    "url", ["/es/contributor/nadie/feed/", "/es/contributor/a%00b/feed/",
            "/es/organization/nada/feed/"],
)
def test_unknown_feeds_are_not_found(client, db, url):
    assert client.get(url).status_code == 404


def test_feed_length_is_bounded(client, publish, settings):
    settings.ALTAVOZ_PAGE_SIZE = 3
    for i in range(5):
        publish(f"Nota {i}", minutes_ago=i)
    assert titles(parse(client, "/es/feed/")[1]) == ["Nota 0", "Nota 1", "Nota 2"]


def test_empty_feed_is_still_valid(client, db):
    _response, feed = parse(client, "/en/feed/")
    assert feed.entries == [] and feed.feed.title == "altavoz"


def test_an_empty_feed_has_the_same_bytes_every_time(client, db, section):
    # Editions rebuild every feed: an empty one must not change with the clock.
    first = client.get(f"/es/section/{section.slug}/feed/").content
    second = client.get(f"/es/section/{section.slug}/feed/rss/").content
    assert b"1970-01-01" in first
    assert client.get(f"/es/section/{section.slug}/feed/").content == first
    assert client.get(f"/es/section/{section.slug}/feed/rss/").content == second
