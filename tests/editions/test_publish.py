"""Incremental publishing: after each change an editor or reader makes, the
patched edition holds exactly the paths, with exactly the bytes, that a whole
build of the same database holds, and only the pages that show the change
were rendered. In-process on the test database (SQLite and PostgreSQL)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone

from altavoz.debate import services as debate
from altavoz.editions import deps, store
from altavoz.editions.build import build
from altavoz.editions.models import PendingChange
from altavoz.editions.publish import PublishReport, publish
from altavoz.home import initialise
from altavoz.newsroom import workflow
from altavoz.newsroom.models import Article, Section, Tag
from altavoz.people.models import User
from tests.conftest import make_article, make_user
from tests.editions.site import make_small_site

PAGE_SIZE = 3  # small pages: a dozen articles fill archive pages


@dataclass
class Newsroom:
    home: Path
    twin: Path  # built whole after each change, with the same keys, to compare
    section: Section
    editor: User
    author: User
    articles: list[Article]

    def paths(self, home: Path) -> dict[str, dict]:
        return store.read_resolved(home, store.current_id(home))[1]["paths"]

    def publish_and_compare(self) -> PublishReport:
        report = publish(self.home)
        assert report is not None and not report.full
        assert store.current_id(self.home) == report.edition
        assert PendingChange.objects.count() == 0
        build(self.twin, collect_static=False)
        patched, whole = self.paths(self.home), self.paths(self.twin)
        assert sorted(set(patched) - set(whole)) == [], "paths left behind"
        assert sorted(set(whole) - set(patched)) == [], "paths missing"
        differ = sorted(p for p in whole if patched[p]["blob"] != whole[p]["blob"])
        assert differ == [], "paths with stale bytes"
        return report


@pytest.fixture
def newsroom(db, tmp_path: Path) -> Iterator[Newsroom]:
    with override_settings(MEDIA_ROOT=tmp_path / "media", ALTAVOZ_PAGE_SIZE=PAGE_SIZE):
        home, twin = tmp_path / "home", tmp_path / "twin"
        initialise(home)
        initialise(twin)
        shutil.rmtree(twin / "keys")
        shutil.copytree(home / "keys", twin / "keys")
        site = make_small_site()
        section = Section.objects.get(slug="news")
        editor = make_user("edita", role=User.Role.EDITOR)
        editor.is_verified = lambda: True  # as after a TOTP sign-in (django_otp)
        older = [site.es]
        start = timezone.now() - timedelta(days=30)
        for n in range(10):
            older.append(make_article(site.author, section, title=f"Crónica número {n}",
                                      status=Article.Status.PUBLISHED,
                                      published_at=start + timedelta(days=n)))
        build(home, collect_static=False)
        assert PendingChange.objects.count() == 0
        yield Newsroom(home, twin, section, editor, site.author, older)


def test_publishing_a_new_article_renders_its_pages_and_the_latest_listings(newsroom):
    new = make_article(newsroom.author, newsroom.section, title="Paro nacional",
                       status=Article.Status.PUBLISHED)
    report = newsroom.publish_and_compare()
    page = new.get_absolute_url()
    assert {page, f"{page}comments/feed/", f"/api/v1/articles/es/{new.slug}", "/es/",
            "/es/feed/", "/es/section/news/", "/es/section/news/feed/rss/",
            "/es/contributor/ana/", "/en/contributor/ana/", "/api/v1/articles",
            "/sitemap.xml"} <= set(report.rendered)
    # Not the unrelated ones: other articles, the English front, old archive pages.
    untouched = {newsroom.articles[3].get_absolute_url(), "/en/", "/en/feed/", "/es/about/",
                 "/es/page/1/", "/es/hidden/"}
    assert untouched.isdisjoint(report.rendered)
    assert len(report.rendered) < 40


def test_editing_an_old_article_renders_its_archive_page_not_the_others(newsroom):
    old = newsroom.articles[2]
    old.title = "Crónica corregida"
    old.save()
    report = newsroom.publish_and_compare()
    archive = [p for p in report.rendered if "/page/" in p and p.startswith("/es/section/")]
    assert archive == ["/es/section/news/page/1/"]
    assert "/es/section/news/page/2/" not in report.rendered
    # Its feeds show only the newest items: an old article's new title is not among them.
    assert "/es/section/news/feed/" not in report.rendered and "/es/feed/" not in report.rendered


def test_hiding_removes_it_from_listings_and_shows_it_on_the_hidden_page(newsroom):
    target = newsroom.articles[5]
    workflow.hide(target, newsroom.editor, "Datos personales de un vecino.")
    report = newsroom.publish_and_compare()
    assert {"/es/hidden/", "/en/hidden/", "/es/moderation/", target.get_absolute_url()} <= set(
        report.rendered)


def test_a_new_tag_slug_change_and_removal_leave_no_stale_path(newsroom):
    target = newsroom.articles[4]
    old_page = target.get_absolute_url()
    target.tags.add(Tag.objects.create(slug="paro", name="paro"))
    report = newsroom.publish_and_compare()
    assert {"/es/tag/paro/", "/en/tag/paro/", "/es/tag/paro/feed/"} <= set(report.rendered)

    target.slug = "cronica-con-otra-direccion"
    target.save()
    report = newsroom.publish_and_compare()
    assert old_page in report.removed

    target.delete()
    report = newsroom.publish_and_compare()
    assert {"/es/tag/paro/", "/en/tag/paro/feed/rss/"} <= set(report.removed)


def test_a_comment_renders_the_article_page_and_its_comment_feed_only(newsroom):
    target = newsroom.articles[0]
    reader = make_user("lector")
    debate.post_comment(target, reader, "Buen texto, compañeras.")
    report = newsroom.publish_and_compare()
    page = target.get_absolute_url()
    assert set(report.rendered) <= {page, f"{page}comments/feed/", "/es/moderation/comments/",
                                    "/en/moderation/comments/"}
    assert page in report.rendered


def test_a_scheduled_article_appears_when_its_time_comes(newsroom):
    later = make_article(newsroom.author, newsroom.section, title="Convocatoria",
                         status=Article.Status.PUBLISHED,
                         published_at=timezone.now() + timedelta(hours=1))
    newsroom.publish_and_compare()
    assert later.get_absolute_url() not in newsroom.paths(newsroom.home)
    # Its time comes: no one saves anything, the clock moves.
    Article.objects.filter(pk=later.pk).update(published_at=timezone.now())
    report = newsroom.publish_and_compare()
    assert later.get_absolute_url() in report.rendered


def test_enough_new_articles_open_a_new_archive_page(newsroom):
    for n in range(PAGE_SIZE + 1):
        make_article(newsroom.author, newsroom.section, title=f"Urgente {n}",
                     status=Article.Status.PUBLISHED)
    newsroom.publish_and_compare()
    workflow.unhide(Article.objects.get(status=Article.Status.HIDDEN), newsroom.editor)
    newsroom.publish_and_compare()


def test_nothing_queued_publishes_nothing(newsroom):
    before = store.current_id(newsroom.home)
    assert publish(newsroom.home) is None
    assert store.current_id(newsroom.home) == before


def test_a_section_rename_is_a_whole_build(newsroom):
    newsroom.section.names = {"es": "Actualidad", "en": "Current affairs"}
    newsroom.section.save()
    report = publish(newsroom.home)
    assert report is not None and report.full
    assert PendingChange.objects.count() == 0


def test_a_crash_between_deps_and_current_is_finished_by_the_next_publish(newsroom,
                                                                          monkeypatch):
    before = store.current_id(newsroom.home)
    make_article(newsroom.author, newsroom.section, title="Antes del corte",
                 status=Article.Status.PUBLISHED)

    def power_cut(home, edition):
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(store, "set_current", power_cut)
    with pytest.raises(KeyboardInterrupt):
        publish(newsroom.home)
    monkeypatch.undo()
    assert store.current_id(newsroom.home) == before  # readers still get the old one
    assert PendingChange.objects.count() > 0  # and the change is still queued
    with deps.opened(newsroom.home) as shown:
        written = shown.meta("edition")
    assert written != before
    newsroom.publish_and_compare()


def test_a_new_address_re_renders_the_translations_that_link_to_it(newsroom):
    original = newsroom.articles[0]
    translation = original.translations().get()
    original.slug = "asamblea-campesina-del-valle"
    original.save()
    report = newsroom.publish_and_compare()
    assert translation.get_absolute_url() in report.rendered


def test_the_watch_loop_publishes_pages_first_and_the_sitemap_when_idle(newsroom):
    new = make_article(newsroom.author, newsroom.section, title="Marcha campesina",
                       status=Article.Status.PUBLISHED)
    first = publish(newsroom.home, defer=True)
    assert first is not None and new.get_absolute_url() in first.rendered
    assert "/sitemap.xml" not in first.rendered
    sitemap = newsroom.publish_and_compare()  # nothing queued: the sitemap's turn
    assert sitemap.rendered == ["/sitemap.xml"]
    assert publish(newsroom.home, defer=True) is None


def test_a_big_sitemap_re_renders_only_the_part_that_lists_the_change(newsroom):
    with override_settings(ALTAVOZ_SITEMAP_LIMIT=10):
        build(newsroom.home, collect_static=False)
        target = newsroom.articles[1]
        target.title = "Crónica con otro título"
        target.save()
        report = newsroom.publish_and_compare()
    parts = [p for p in report.rendered if p.startswith("/sitemap")]
    assert parts == ["/sitemap-articles-1.xml", "/sitemap.xml"]


def test_the_search_index_catches_up_with_published_articles(newsroom):
    from altavoz.editions.publish import refresh_index

    assert refresh_index(newsroom.home) is None  # nothing published since the build
    make_article(newsroom.author, newsroom.section, title="Huelga docente",
                 status=Article.Status.PUBLISHED)
    newsroom.publish_and_compare()
    live = store.read_resolved(newsroom.home, store.current_id(newsroom.home))[1]
    whole = store.read_resolved(newsroom.twin, store.current_id(newsroom.twin))[1]
    assert live["search_index"] != whole["search_index"]  # behind until refreshed
    edition = refresh_index(newsroom.home)
    assert edition == store.current_id(newsroom.home)
    live = store.read_resolved(newsroom.home, edition)[1]
    assert live["search_index"] == whole["search_index"]
    assert live["paths"] == whole["paths"]
    assert refresh_index(newsroom.home) is None


def test_a_new_onion_address_needs_a_whole_build_and_edges_send_it(newsroom):
    from altavoz.shield.edition import build as edge_build

    onion = "a" * 56 + ".onion"
    with override_settings(ALTAVOZ_ONION_ADDRESS=onion):
        make_article(newsroom.author, newsroom.section, title="Por la red tor",
                     status=Article.Status.PUBLISHED)
        report = publish(newsroom.home)
    assert report is not None and report.full  # every page's head changes
    edition = store.current_id(newsroom.home)
    manifest = store.read_resolved(newsroom.home, edition)[1]
    assert manifest["site"]["onion"] == onion

    served = edge_build(edition, manifest,
                        lambda sha, _size: store.blob_path(newsroom.home, sha).read_bytes())
    assert f"Onion-Location: http://{onion}/es/\r\n".encode() in served.find("/es/").identity.head
    assert b"Onion-Location" not in served.find("/es/feed/").identity.head


def test_the_bulk_listing_ids_are_what_each_listing_view_shows(newsroom):
    from altavoz.editions import listings

    workflow.feature(newsroom.articles[3], newsroom.editor)
    lists, facts = listings.everything(timezone.now())
    assert {"front:es", "featured:es", "section:en:news", "tag:es:tierra", "tag:en:tierra",
            "contributor:ana", "hidden", "moderation"} <= set(lists)
    for key, ids in lists.items():
        listing = listings.get(key)
        assert listing is not None, key
        assert listing.ids() == ids, key
    assert all(listings.keys_of(fact) <= set(lists) for fact in facts.values())


def test_the_background_sitemap_job_never_loses_a_change_made_while_it_runs(newsroom):
    from altavoz.editions.publish import build_sitemap, switch_sitemap

    first = make_article(newsroom.author, newsroom.section, title="Primera noticia",
                         status=Article.Status.PUBLISHED)
    assert publish(newsroom.home, defer=True) is not None
    job = build_sitemap(newsroom.home)
    assert job is not None and first.pk in job.articles
    # While the job renders, another article is published.
    second = make_article(newsroom.author, newsroom.section, title="Segunda noticia",
                          status=Article.Status.PUBLISHED)
    assert publish(newsroom.home, defer=True) is not None
    assert switch_sitemap(newsroom.home, job) == store.current_id(newsroom.home)
    later = build_sitemap(newsroom.home)
    assert later is not None and second.pk in later.articles
    switch_sitemap(newsroom.home, later)
    assert build_sitemap(newsroom.home) is None
    build(newsroom.twin, collect_static=False)
    patched, whole = newsroom.paths(newsroom.home), newsroom.paths(newsroom.twin)
    assert patched["/sitemap.xml"]["blob"] == whole["/sitemap.xml"]["blob"]


def test_a_whole_build_voids_a_background_sitemap_job(newsroom):
    from altavoz.editions.publish import build_sitemap, switch_sitemap

    make_article(newsroom.author, newsroom.section, title="Noticia",
                 status=Article.Status.PUBLISHED)
    publish(newsroom.home, defer=True)
    job = build_sitemap(newsroom.home)
    assert job is not None
    build(newsroom.home, collect_static=False)
    assert switch_sitemap(newsroom.home, job) is None


def test_an_operator_stepping_back_an_edition_is_not_undone(newsroom):
    before = store.current_id(newsroom.home)
    make_article(newsroom.author, newsroom.section, title="Publicada por error",
                 status=Article.Status.PUBLISHED)
    newsroom.publish_and_compare()
    store.set_current(newsroom.home, before)  # the operator puts the old edition back
    make_article(newsroom.author, newsroom.section, title="Otra noticia",
                 status=Article.Status.PUBLISHED)
    report = publish(newsroom.home)
    # Not rolled forward onto the edition the operator took down: a whole build
    # of what the database holds now.
    assert report is not None and report.full
    assert store.current_id(newsroom.home) == report.edition
