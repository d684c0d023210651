"""Stable archive pagination (views/listing.py): the arithmetic, then every
listing walked the way a reader or the editions builder walks it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from altavoz.debate.models import CommentModeration
from altavoz.newsroom.models import Article, ModerationEntry, Tag
from altavoz.newsroom.views.listing import (
    PAGE_SEGMENT,
    archive_bounds,
    archive_count,
    archive_links,
    archive_path,
    listing_paths,
)
from altavoz.people.models import Organization

TOTALS = st.integers(min_value=0, max_value=3000)
SIZES = st.integers(min_value=1, max_value=60)


# --- the arithmetic ---------------------------------------------------------------


def pages(total: int, size: int, base: str = "/l/") -> dict[str, tuple]:
    """Every page of a listing as what decides its bytes: the items it shows
    (oldest-first indices, which appending does not renumber) and its links."""
    count = archive_count(total, size)
    return {
        archive_path(base, k): (archive_bounds(k, total, size), archive_links(base, k, count))
        for k in [None, *range(1, count + 1)]
    }


@given(total=TOTALS, size=SIZES)
def test_every_item_is_on_exactly_one_page(total: int, size: int):
    count = archive_count(total, size)
    ranges = [archive_bounds(k, total, size) for k in range(1, count + 1)]
    ranges.append(archive_bounds(None, total, size))
    assert [i for start, stop in ranges for i in range(start, stop)] == list(range(total))
    assert all(stop - start == size for start, stop in ranges[:-1])
    start, stop = ranges[-1]
    if total >= size:
        assert size <= stop - start <= 2 * size - 1
    else:
        assert (start, stop) == (0, total) and count == 0
    for outside in (0, -1, count + 1):
        with pytest.raises(ValueError):
            archive_bounds(outside, total, size)


@given(total=TOTALS, size=SIZES)
def test_appending_changes_only_the_latest_page_or_adds_one_archive_page(total: int, size: int):
    before, after = pages(total, size), pages(total + 1, size)
    assert set(before) <= set(after)  # no address ever disappears on append
    changed = {path for path in after if before.get(path) != after[path]}
    if (total + 1) % size or total + 1 < 2 * size:
        assert changed == {"/l/"}
        return
    count = archive_count(total + 1, size)
    assert count == archive_count(total, size) + 1
    new_page = f"/l/page/{count}/"
    assert new_page not in before
    if count == 1:
        assert changed == {"/l/", new_page}
    else:
        previous_top = f"/l/page/{count - 1}/"
        assert changed == {"/l/", new_page, previous_top}
        # Its items stay put; only its "newer" link moves from the bare page to the new one.
        assert before[previous_top][0] == after[previous_top][0]
        assert before[previous_top][1] == (f"/l/page/{count - 2}/" if count > 2 else None, "/l/")
        assert after[previous_top][1][1] == new_page


@given(total=TOTALS, size=SIZES)
def test_listing_paths_name_every_page_once(total: int, size: int):
    paths = listing_paths("/es/section/news/", total, size)
    count = archive_count(total, size)
    assert paths[0] == "/es/section/news/" and len(paths) == count + 1 == len(set(paths))
    assert paths[1:] == [f"/es/section/news/{PAGE_SEGMENT}/{k}/" for k in range(1, count + 1)]
    assert all("?" not in p and p.endswith("/") for p in paths)


def test_listing_paths_default_to_the_page_size_setting(settings):
    settings.ALTAVOZ_PAGE_SIZE = 3
    assert listing_paths("/es/", 8) == ["/es/", "/es/page/1/"]
    assert listing_paths("/es/", 9) == ["/es/", "/es/page/1/", "/es/page/2/"]
    assert listing_paths("/es/", 5) == ["/es/"]


def test_neighbours_of_each_page():
    assert archive_links("/es/", None, 0) == (None, None)
    assert archive_links("/es/", None, 3) == ("/es/page/3/", None)
    assert archive_links("/es/", 3, 3) == ("/es/page/2/", "/es/")
    assert archive_links("/es/", 2, 3) == ("/es/page/1/", "/es/page/3/")
    assert archive_links("/es/", 1, 3) == (None, "/es/page/2/")


# --- every listing, walked ------------------------------------------------------------

SIZE = 2
ITEMS = 7  # archive pages 1 and 2 (two items each), three on the latest page
MARK = re.compile(r"Marca \d\d")
OLDER = re.compile(r'<a rel="next" href="([^"]+)">')
NEWER = re.compile(r'<a rel="prev" href="([^"]+)">')


def _articles(publish, **extra) -> None:
    for i in range(ITEMS):
        publish(f"Marca {i:02d}", minutes_ago=i, **extra)


def _tagged(publish) -> None:
    tag = Tag.objects.create(slug="agua", name="agua")
    for i in range(ITEMS):
        publish(f"Marca {i:02d}", minutes_ago=i).tags.add(tag)


def _hidden(publish) -> None:
    now = timezone.now()
    for i in range(ITEMS):
        # Published in the opposite order: the index sorts by when it was hidden.
        article = publish(f"Marca {i:02d}", minutes_ago=100 - i,
                          status=Article.Status.HIDDEN, hidden_reason="r")
        ModerationEntry.objects.create(article=article, action="hide", actor_role="editor",
                                       created_at=now - timedelta(minutes=i))


def _decisions(publish) -> None:
    article = publish("Decidido")
    now = timezone.now()
    for i in range(ITEMS):
        ModerationEntry.objects.create(article=article, action="feature", actor_role="editor",
                                       reason=f"Marca {i:02d}",
                                       created_at=now - timedelta(minutes=i))


def _comment_decisions(publish) -> None:
    article = publish("Debatido")
    now = timezone.now()
    for i in range(ITEMS):
        CommentModeration.objects.create(article=article, action="close", actor_role="editor",
                                         reason=f"Marca {i:02d}",
                                         created_at=now - timedelta(minutes=i))


def _organizations(publish) -> None:
    # Alphabetical: "Marca 00" first, so its far end (archive page 1) is the last names.
    for i in reversed(range(ITEMS)):
        Organization.objects.create(slug=f"org-{i}", name=f"Marca {i:02d}", kind="union")


LISTINGS: dict[str, tuple[str, Callable]] = {
    "front": ("/es/", _articles),
    "section": ("/es/section/news/", _articles),
    "tag": ("/es/tag/agua/", _tagged),
    "contributor": ("/en/contributor/ana/", _articles),
    "organization": ("/es/organization/consejo-comunal-el-valle/",
                     lambda publish: None),  # filled in the test: needs the fixture
    "organizations": ("/en/organizations/", _organizations),
    "hidden": ("/en/hidden/", _hidden),
    "moderation": ("/es/moderation/", _decisions),
    "comment moderation": ("/en/moderation/comments/", _comment_decisions),
}


@pytest.mark.parametrize("kind", list(LISTINGS))
def test_every_listing_walks_from_the_latest_page_to_the_oldest(
        kind, client, publish, organization, settings):
    settings.ALTAVOZ_PAGE_SIZE = SIZE
    base, fill = LISTINGS[kind]
    if kind == "organization":
        _articles(publish, organization=organization)
    else:
        fill(publish)
        if kind == "organizations":
            organization.delete()
    expected = [f"Marca {i:02d}" for i in range(ITEMS)]  # in the order a reader meets them

    walk, url, newer = [], base, None
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert (NEWER.findall(html) or [None]) == [newer], url
        walk.append((url, MARK.findall(html.split('class="pages"')[0])))  # not the span
        newer, url = url, (OLDER.findall(html) or [None])[0]

    count = ITEMS // SIZE - 1
    assert [u for u, _ in walk] == [base] + [f"{base}page/{k}/" for k in range(count, 0, -1)]
    assert [u for u, _ in walk] == [base] + listing_paths(base, ITEMS)[:0:-1]
    assert [m for _, found in walk for m in found] == expected  # each once, in order
    assert [len(found) for _, found in walk] == [3, 2, 2]

    page_two = client.get(f"{base}page/2/").content.decode()
    # Not "2 of K": K grows, and every archive page would change with it.
    assert re.search(r"(Archive page|Página de archivo) 2(?! of| de)", page_two)
    for missing in [f"{base}page/{count + 1}/", f"{base}page/0/", f"{base}page/01/",
                    f"{base}page/x/", f"{base}page/1234567/", f"{base}page/"]:
        response = client.get(missing)
        assert response.status_code == 404, missing
        assert "<h1>" in response.content.decode()
    bare = client.get(base).content
    for query in ["?page=2", "?page=zz", "?page=0", "?p=1&page=99"]:
        response = client.get(base + query)
        assert response.status_code == 200 and response.content == bare, query


def test_short_listings_have_one_page_and_no_navigation(client, publish, settings):
    settings.ALTAVOZ_PAGE_SIZE = 2
    for i in range(3):
        publish(f"Marca {i:02d}", minutes_ago=i)
    html = client.get("/es/section/news/").content.decode()
    assert MARK.findall(html) == ["Marca 00", "Marca 01", "Marca 02"]
    assert 'class="pages"' not in html
    assert client.get("/es/section/news/page/1/").status_code == 404


def test_archive_pages_say_which_days_they_cover(client, publish, settings):
    settings.ALTAVOZ_PAGE_SIZE = 2
    for days in range(5):
        publish(f"Marca {days:02d}", minutes_ago=days * 24 * 60)
        publish(f"Mark {days:02d}", minutes_ago=days * 24 * 60, language="en")
    now = timezone.localtime()
    newest, oldest = now - timedelta(days=3), now - timedelta(days=4)
    html = client.get("/en/section/news/page/1/").content.decode()
    nav = html.split('class="pages"')[1]
    assert f'<time datetime="{oldest:%Y-%m-%d}">' in nav
    assert f'<time datetime="{newest:%Y-%m-%d}">' in nav
    assert nav.index(f"{oldest:%Y-%m-%d}") < nav.index(f"{newest:%Y-%m-%d}")  # oldest first
    assert "Archive page 1: " in nav and "Newer articles" in nav
    # Spanish dates on the Spanish page.
    spanish = client.get("/es/section/news/page/1/").content.decode()
    assert f"{oldest.day} de " in spanish.split('class="pages"')[1]
    latest = client.get("/en/section/news/").content.decode().split('class="pages"')[1]
    assert f'<time datetime="{now:%Y-%m-%d}">' in latest and "Older articles" in latest


def test_front_archive_pages_have_no_featured_block(client, publish, settings):
    settings.ALTAVOZ_PAGE_SIZE = 2
    for i in range(5):
        publish(f"Marca {i:02d}", minutes_ago=i, featured=True, featured_at=timezone.now())
    assert 'id="featured"' in client.get("/es/").content.decode()
    archived = client.get("/es/page/1/").content.decode()
    assert 'id="featured"' not in archived and "(página 1)" in archived.split("</title>")[0]


def test_language_switcher_leaves_per_language_archive_pages_for_the_latest(
        client, publish, settings, organization):
    settings.ALTAVOZ_PAGE_SIZE = 2
    for i in range(4):
        publish(f"Marca {i:02d}", minutes_ago=i, organization=organization)
    tag = Tag.objects.create(slug="agua", name="agua")
    for article in Article.objects.all():
        article.tags.add(tag)

    def switcher(url: str) -> str:
        html = Client().get(url).content.decode()
        return html.split('class="langs"')[1].split("</nav>")[0]

    # Page 1 of the Spanish wire is other articles than page 1 of the English one.
    assert 'href="/en/"' in switcher("/es/page/1/")
    assert 'href="/en/section/news/"' in switcher("/es/section/news/page/1/")
    assert 'href="/en/tag/agua/"' in switcher("/es/tag/agua/page/1/")
    # Listings in every language: the same page in the other language.
    assert 'href="/en/organization/consejo-comunal-el-valle/page/1/"' in switcher(
        "/es/organization/consejo-comunal-el-valle/page/1/")


def test_archive_pages_do_not_move_when_an_article_is_published(client, publish, settings):
    settings.ALTAVOZ_PAGE_SIZE = 2
    for i in range(6):
        publish(f"Marca {i + 10:02d}", minutes_ago=100 - i)  # Marca 15 is the newest
    before = {u: client.get(u).content for u in listing_paths("/es/section/news/", 6)}
    publish("Marca 20")
    after = {u: client.get(u).content for u in listing_paths("/es/section/news/", 7)}
    assert set(after) == set(before)
    assert [u for u in after if after[u] != before[u]] == ["/es/section/news/"]
    publish("Marca 21")  # the eighth: archive page 3 appears, page 2's "newer" link moves
    last = {u: client.get(u).content for u in listing_paths("/es/section/news/", 8)}
    assert [u for u in last if last[u] != after.get(u)] == [
        "/es/section/news/", "/es/section/news/page/2/", "/es/section/news/page/3/"]
    assert last["/es/section/news/page/1/"] == before["/es/section/news/page/1/"]
