"""Which paths a set of changes re-renders, and which it removes: the
publisher's dependency tracking, explicit and checkable.

An article that changed re-renders its own paths (page, comment feed, API read,
cover, files), its translations' pages and API reads (they link to it), the
API's list, and in each listing it is or was in, the pages whose shown ids
differ from what the live edition shows (deps.py) or that show it. A comment
thread that changed re-renders the article's page and comment feed only. What
stopped existing (an article no longer public, a tag no public article uses,
an archive page past the new end) is removed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import reverse

from altavoz.editions import listings, paths
from altavoz.editions.deps import Deps
from altavoz.newsroom.models import Article
from altavoz.newsroom.views.listing import archive_count, archive_path
from altavoz.syndication import sitemap_views

API_LIST = "/api/v1/articles"
# The sitemap's article ids (by id, as its parts list them), and its part paths.
SITEMAP_KEY = "sitemap:articles"
SITEMAP_PARTS = "sitemap_parts"

# A page's signature: the ids it shows (oldest first) and what its navigation
# links to (an archive page: whether a newer archive page exists; the bare page: K).
Signature = tuple[tuple[int, ...], int]


def page_signatures(ids: list[int] | None, size: int, single: bool = False
                    ) -> dict[int | None, Signature]:
    """Archive page k (None: the bare address) → its signature, for a listing
    showing `ids` newest first (newsroom.views.listing's arithmetic)."""
    if ids is None:
        return {}
    if single:
        return {None: (tuple(ids), 0)}
    oldest_first = ids[::-1]
    count = archive_count(len(ids), size)
    pages: dict[int | None, Signature] = {
        k: (tuple(oldest_first[(k - 1) * size:k * size]), int(k < count))
        for k in range(1, count + 1)
    }
    pages[None] = (tuple(oldest_first[count * size:]), count)
    return pages


@dataclass
class Plan:
    render: set[str] = field(default_factory=set)
    remove: set[str] = field(default_factory=set)
    listings: dict[str, list[int] | None] = field(default_factory=dict)  # new ids (None: gone)
    articles: dict[int, tuple[set[str], list[str]] | None] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)

    def finish(self) -> None:
        self.remove -= self.render  # a path rendered again is not gone


def plan(deps: Deps, articles: Iterable[int], threads: Iterable[int], now: Any,
         sitemap: Iterable[int] = ()) -> Plan:
    """`sitemap`: the articles whose sitemap entries to bring up to date (the
    publisher does that after the pages, when nothing else waits)."""
    result = Plan()
    articles = set(articles)
    threads = set(threads) - articles
    facts = listings.facts_of(articles, now)
    own = paths.own_paths(articles | threads)
    keys: set[str] = set()
    for pk in sorted(articles):
        old_keys, old_paths = deps.article(pk)
        fact = facts.get(pk)
        new_keys = listings.keys_of(fact) if fact else set()
        new_paths = own.get(pk, [])
        result.render.update(new_paths)
        result.remove.update(set(old_paths) - set(new_paths))
        keys |= old_keys | new_keys
        result.articles[pk] = (new_keys, new_paths) if new_paths else None
    for pk in sorted(threads):
        result.render.update(own.get(pk, [])[:2])  # the page and the comment feed
    if articles:
        result.render.add(API_LIST)
        result.render.update(_translations(articles))
        keys |= listings.also_shown_in(articles)
    if threads:
        keys |= listings.also_shown_in(threads) & {"comment-log"}
    touched = articles | threads
    for key in sorted(keys):
        _listing(deps, key, touched, result)
    sitemap = set(sitemap)
    if sitemap:
        _sitemap(deps, sitemap, result)
    result.finish()
    return result


def sitemap(deps: Deps, articles: set[int]) -> Plan:
    """The sitemap's part of a plan, alone: what the publisher renders in the
    background, since a sitemap of 50,000 addresses takes seconds to render."""
    result = Plan()
    _sitemap(deps, articles, result)
    result.finish()
    return result


def _sitemap(deps: Deps, articles: set[int], result: Plan) -> None:
    """/sitemap.xml, and when it is an index, the parts that list these articles
    or their translations (alternates name them), or whose span moved."""
    sitemaps = sitemap_views._limited()
    limit = settings.ALTAVOZ_SITEMAP_LIMIT
    result.render.add(paths.SITEMAP)
    ids = list(Article.objects.listed().order_by("pk").values_list("pk", flat=True))
    old_ids = deps.listing(SITEMAP_KEY) or []
    old_parts = set(json.loads(deps.meta(SITEMAP_PARTS) or "[]"))
    parts: list[str] = []
    if sum(s.paginator.count for s in sitemaps.values()) > limit:
        groups = Article.objects.filter(pk__in=articles).values("group_id")
        touched = articles | set(Article.objects.filter(group_id__in=groups)
                                 .values_list("pk", flat=True))
        for name, site_map in sitemaps.items():
            for number in site_map.paginator.page_range:
                part = reverse("sitemap_part", args=[name, number])
                parts.append(part)
                span = slice((number - 1) * limit, number * limit)
                if part not in old_parts or (name == "articles" and (
                        ids[span] != old_ids[span] or touched.intersection(ids[span]))):
                    result.render.add(part)
    result.remove.update(old_parts - set(parts))
    result.listings[SITEMAP_KEY] = ids
    result.meta[SITEMAP_PARTS] = json.dumps(parts)


def _translations(articles: set[int]) -> set[str]:
    """Pages and API reads of the other versions of these articles: their
    language links name these. Only the ones not being rendered already."""
    groups = Article.objects.filter(pk__in=articles).values("group_id")
    others = (Article.objects.public().filter(group_id__in=groups).exclude(pk__in=articles)
              .values_list("pk", flat=True))
    found: set[str] = set()
    for own in paths.own_paths(others).values():
        found.update((own[0], own[2]))
    return found


def _listing(deps: Deps, key: str, touched: set[int], result: Plan) -> None:
    listing = listings.get(key)
    shape = listing or listings.get(key, existing_only=False)
    if shape is None:
        return  # a key that names nothing any more (a section renamed away): full build
    old = deps.listing(key)
    new = listing.ids() if listing else None
    if old == new and not touched:
        return
    size = settings.ALTAVOZ_PAGE_SIZE
    before = page_signatures(old, size, shape.single)
    after = page_signatures(new, size, shape.single)
    shown = listings.touched_items(key, touched)
    changed = [k for k, (ids, links) in after.items()
               if before.get(k) != (ids, links) or shown.intersection(ids)]
    gone = [k for k in before if k not in after]
    for base in shape.bases:
        result.render.update(archive_path(base, k) for k in changed)
        result.remove.update(archive_path(base, k) for k in gone)
    # Feeds show the newest page-size items: only a change among those shows there.
    newest = (new or [])[:size]
    if listing is None:
        result.remove.update(shape.feeds)
    elif (old or [])[:size] != newest or shown.intersection(newest) or old is None:
        result.render.update(shape.feeds)
    result.listings[key] = new
