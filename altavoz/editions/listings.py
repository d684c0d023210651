"""Every listing of the site as data: its key, its addresses, its feeds, and the
queryset whose order its pages show (the view's own).

The publisher's dependency tracking works on these: an article belongs to the
listings keys_of() names; what a listing shows is its ordered list of ids,
cut into pages by the stable archive arithmetic (newsroom.views.listing). A
page is re-rendered when the ids it shows, or the items among them, changed.

Keys: "front:<lang>", "featured:<lang>" (the front page's featured block),
"section:<lang>:<slug>", "tag:<lang>:<slug>", "contributor:<username>",
"organization:<slug>", and the site-wide "hidden", "moderation",
"comment-log", "organizations". Per-language listings are shown under their
own language; the others under every language prefix.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import translation

from altavoz.debate.models import CommentModeration
from altavoz.debate.services import public_comment_log
from altavoz.newsroom.models import Article, ModerationEntry, Section, Tag
from altavoz.newsroom.views import public
from altavoz.newsroom.views.listing import is_username, listed
from altavoz.people.models import Organization, User

SITE_WIDE = ("hidden", "moderation", "comment-log", "organizations")


@dataclass(frozen=True)
class Listing:
    key: str
    bases: tuple[str, ...]  # the bare address in each language it is shown in
    feeds: tuple[str, ...]  # feeds that show its newest items
    items: Callable[[], QuerySet]  # newest first, exactly as the view pages it
    single: bool = False  # one page only (the featured block): no archive pages

    def ids(self) -> list[int]:
        # Straight from the cursor: the ORM's per-row machinery costs more than
        # SQLite's index scan for a listing of tens of thousands of ids.
        query = self.items().values_list("pk", flat=True)
        sql, params = query.query.sql_with_params()
        with connections[query.db].cursor() as cursor:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _in(lang: str, name: str, *args: str) -> str:
    with translation.override(lang):
        return reverse(name, args=args)


def _everywhere(name: str, *args: str) -> tuple[str, ...]:
    return tuple(_in(lang, name, *args) for lang in languages())


def _feeds(kind: str, *args: str, langs: Iterable[str] | None = None) -> tuple[str, ...]:
    return tuple(_in(lang, f"syndication:{name}", *args) for lang in (langs or languages())
                 for name in (kind, f"{kind}_rss"))


def featured_items(lang: str) -> QuerySet[Article]:
    """The front page's featured block, as newsroom.views.public.front reads it."""
    return (listed().filter(language=lang, featured=True)
            .order_by(F("featured_at").desc(nulls_last=True), "-published_at")
            [:public.FEATURED_COUNT])


def _sliced(query: QuerySet) -> Callable[[], QuerySet]:
    # A sliced queryset cannot be filtered again, only listed: wrap it as is.
    return lambda: query


def get(key: str, existing_only: bool = True) -> Listing | None:
    """The listing named `key` as the site has it now; None if it no longer
    exists (a section removed, a tag no public article uses). With
    `existing_only` False, its addresses and feeds whether it exists or not
    (its items are then not to be read): what to remove when it is gone."""
    kind, _sep, rest = key.partition(":")
    lang, _sep, slug = rest.partition(":")
    if kind in {"front", "featured", "section", "tag"} and lang not in languages():
        return None
    if kind == "front":
        return Listing(key, (_in(lang, "newsroom:front"),), _feeds("latest", langs=[lang]),
                       lambda: public.front_items(lang))
    if kind == "featured":
        return Listing(key, (_in(lang, "newsroom:front"),), (),
                       _sliced(featured_items(lang)), single=True)
    if kind == "section":
        section = Section.objects.filter(slug=slug).first()
        if section is None and existing_only:
            return None
        return Listing(key, (_in(lang, "newsroom:section", slug),),
                       _feeds("section", slug, langs=[lang]),
                       lambda: public.section_items(section, lang))
    if kind == "tag":
        tag = Tag.objects.filter(slug=slug).first()
        if existing_only and (tag is None
                              or not Article.objects.public().filter(tags=tag).exists()):
            return None
        return Listing(key, (_in(lang, "newsroom:tag", slug),), _feeds("tag", slug, langs=[lang]),
                       lambda: public.tag_items(tag, lang))
    if kind == "contributor":
        if not is_username(rest):
            return None
        person = User.objects.filter(username=rest).first()
        if existing_only and (person is None or not Article.objects.public().filter(
                author=person, organization__isnull=True).exists()):
            return None
        return Listing(key, _everywhere("newsroom:contributor", rest), _feeds("contributor", rest),
                       lambda: public.contributor_items(person))
    if kind == "organization":
        org = Organization.objects.filter(slug=rest).first()
        if org is None and existing_only:
            return None
        return Listing(key, _everywhere("newsroom:organization", rest),
                       _feeds("organization", rest), lambda: public.organization_items(org))
    site_wide: dict[str, tuple[str, Callable[[], QuerySet]]] = {
        "hidden": ("newsroom:hidden", public.hidden_items),
        "moderation": ("newsroom:moderation_log", public.moderation_items),
        "comment-log": ("debate:log", public_comment_log),
        "organizations": ("newsroom:organizations", public.organizations_items),
    }
    if key in site_wide:
        name, items = site_wide[key]
        return Listing(key, _everywhere(name), (), items)
    return None


# --- which listings an article is in ------------------------------------------------


@dataclass(frozen=True)
class ArticleFacts:
    """What decides an article's listings: one row of a bulk query, or one article."""

    id: int
    language: str
    status: str
    due: bool
    featured: bool
    section: str
    tags: tuple[str, ...]
    author: str | None  # username when signed in the author's own name
    organization: str | None

    @property
    def public(self) -> bool:
        return self.due and self.status in {Article.Status.PUBLISHED, Article.Status.HIDDEN}

    @property
    def listed(self) -> bool:
        return self.due and self.status == Article.Status.PUBLISHED


def keys_of(facts: ArticleFacts) -> set[str]:
    """The listings an article is shown in, or whose existence it decides."""
    keys: set[str] = set()
    if not facts.public:
        return keys
    # A tag's and a contributor's pages exist while any public article names them.
    keys.update(f"tag:{lang}:{tag}" for tag in facts.tags for lang in languages())
    if facts.author and is_username(facts.author):
        keys.add(f"contributor:{facts.author}")
    if facts.status == Article.Status.HIDDEN:
        keys.add("hidden")
        return keys
    keys.update({f"front:{facts.language}", f"section:{facts.language}:{facts.section}"})
    if facts.featured:
        keys.add(f"featured:{facts.language}")
    if facts.organization:
        keys.add(f"organization:{facts.organization}")
    return keys


_FACT_FIELDS = ("id", "language", "status", "published_at", "featured", "section__slug",
                "author__username", "organization__slug")


def facts_of(ids: Iterable[int], now: Any) -> dict[int, ArticleFacts]:
    """ArticleFacts of the given articles that still exist."""
    ids = list(ids)
    rows = Article.objects.filter(pk__in=ids).values_list(*_FACT_FIELDS)
    tags = _tags_by_article(Article.tags.through.objects.filter(article_id__in=ids))
    return {row[0]: _facts(row, tags, now) for row in rows}


def _tags_by_article(through: QuerySet) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = defaultdict(list)
    for article_id, slug in through.order_by("tag__slug").values_list("article_id", "tag__slug"):
        found[article_id].append(slug)
    return {key: tuple(value) for key, value in found.items()}


def _facts(row: tuple, tags: dict[int, tuple[str, ...]], now: Any) -> ArticleFacts:
    pk, language, status, published_at, featured, section, author, organization = row
    return ArticleFacts(
        id=pk, language=language, status=status,
        due=published_at is not None and published_at <= now, featured=featured,
        section=section, tags=tags.get(pk, ()),
        author=author if organization is None else None, organization=organization,
    )


def also_shown_in(article_ids: Iterable[int]) -> set[str]:
    """Site-wide listings whose items name these articles (titles in the logs)."""
    ids = list(article_ids)
    keys = set()
    if ModerationEntry.objects.filter(article_id__in=ids).exists():
        keys.add("moderation")
    if CommentModeration.objects.filter(article_id__in=ids).exists():
        keys.add("comment-log")
    return keys


def touched_items(key: str, article_ids: set[int]) -> set[int]:
    """The items of listing `key` that show something of these articles."""
    if key == "moderation":
        return set(ModerationEntry.objects.filter(article_id__in=article_ids)
                   .values_list("pk", flat=True))
    if key == "comment-log":
        return set(CommentModeration.objects.filter(article_id__in=article_ids)
                   .values_list("pk", flat=True))
    if key == "organizations":
        return set()
    return article_ids


# --- all of them at once, for the full build ---------------------------------------------


def everything(now: Any) -> tuple[dict[str, list[int]], dict[int, ArticleFacts]]:
    """(every listing's ids, every public article's facts), in a few bulk
    queries: the state a full build's edition shows."""
    lists: dict[str, list[int]] = {}
    langs = languages()
    sections = list(Section.objects.values_list("slug", flat=True))
    for lang in langs:
        lists[f"front:{lang}"] = []
        lists[f"featured:{lang}"] = list(featured_items(lang).values_list("pk", flat=True))
        for slug in sections:
            lists[f"section:{lang}:{slug}"] = []
    for slug in Organization.objects.values_list("slug", flat=True):
        lists[f"organization:{slug}"] = []
    rows = Article.objects.public().order_by("-published_at", "-id").values_list(*_FACT_FIELDS)
    tags = _tags_by_article(Article.tags.through.objects.filter(
        article__in=Article.objects.public().order_by().values("pk")))
    facts: dict[int, ArticleFacts] = {}
    for row in rows.iterator(chunk_size=5000):
        fact = _facts(row, tags, now)
        facts[fact.id] = fact
        for key in keys_of(fact):
            lists.setdefault(key, [])
            if key.startswith(("tag:", "contributor:")) and not _shows(key, fact):
                continue  # named for its existence only
            if not key.startswith(("featured:", "hidden")):
                lists[key].append(fact.id)
    for key in SITE_WIDE:
        listing = get(key)
        assert listing is not None
        lists[key] = listing.ids()
    return lists, facts


def _shows(key: str, fact: ArticleFacts) -> bool:
    """Whether a tag or contributor listing shows this article (not only exists by it)."""
    if not fact.listed:
        return False
    if key.startswith("tag:"):
        return key.split(":", 2)[1] == fact.language
    return True
