"""Every public path of the site, enumerated from the database in a few bulk
queries (never one per object), for the full build.

What is public is what a reader without an account can open: listed articles,
hidden ones (they stay at their address, with the reason), their files and
covers, every listing with its archive pages, every feed, the sitemap, the API's
unfiltered reads. Origin-only pages (writing, account, editor, admin) are not.

Left out on purpose: the API's `/api/v1/articles/<id>` (the same bytes as
`/api/v1/articles/<lang>/<slug>`; one address per answer keeps the manifest
small), any read with a query string (filters, `?page=`, search: the edge answers
those from the search index or forwards them), and sitemap parts, which build.py
adds from the rendered /sitemap.xml when it is an index.
"""

from __future__ import annotations

import mimetypes
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.files.storage import default_storage
from django.db.models import Count
from django.urls import reverse
from django.utils import translation

from altavoz.attachments.models import Attachment
from altavoz.debate.services import public_comment_log
from altavoz.newsroom.models import Article, Section, Tag
from altavoz.newsroom.views import public
from altavoz.newsroom.views.listing import is_username, listed, listing_paths
from altavoz.people.models import Organization, User

ROBOTS = "/robots.txt"
SITEMAP = "/sitemap.xml"
PUBLIC_KEY = "/.well-known/altavoz/public-key"
API_PATHS = ["/api/v1/", "/api/v1/openapi.json", "/api/v1/articles"]
# A slug that needs no URL quoting can be put into a reversed pattern as is.
_PLAIN = re.compile(r"^[-A-Za-z0-9_]+\Z")
_MARK = "edition-placeholder"


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _listing(base: str, total: int) -> list[str]:
    """The single place where a listing becomes its pages: the bare address,
    then archive pages 1..K (newsroom.views.listing)."""
    return listing_paths(base, total)


def _fast_reverse(name: str, language: str, **fixed: str) -> Callable[[str], str]:
    """reverse(name, slug=…) for many slugs, by reversing once: at 100,000
    articles reverse() alone would take seconds."""
    def slow(slug: str) -> str:
        with translation.override(language):
            return reverse(name, kwargs={**fixed, "slug": slug})

    head, tail = slow(_MARK).split(_MARK)
    return lambda slug: head + slug + tail if _PLAIN.match(slug) else slow(slug)


@dataclass
class _Counts:
    """How many items each per-object listing pages, in one grouped query per
    kind rather than one count per section, tag, person or organization. Each
    must equal the count of the view's own queryset, named in the comment
    (tests/editions/test_paths.py holds them to it)."""

    section: dict[tuple[str, int], int]
    tag: dict[tuple[str, int], int]
    contributor: dict[int, int]
    organization: dict[int, int]

    @classmethod
    def load(cls) -> _Counts:
        rows = listed().order_by().values_list("language", "section_id").annotate(n=Count("pk"))
        section = {(lang, section_id): n for lang, section_id, n in rows}  # section_items
        through = Article.tags.through.objects.filter(article__in=listed().order_by().values("pk"))
        tag = {  # tag_items
            (lang, tag_id): n for lang, tag_id, n in through.order_by()
            .values_list("article__language", "tag_id").annotate(n=Count("pk"))
        }
        contributor = dict(  # contributor_items: a person's own articles, every language
            listed().order_by().filter(organization__isnull=True).exclude(author=None)
            .values_list("author_id").annotate(n=Count("pk")).values_list("author_id", "n")
        )
        organization = dict(  # organization_items
            listed().order_by().exclude(organization=None).values_list("organization_id")
            .annotate(n=Count("pk")).values_list("organization_id", "n")
        )
        return cls(section=section, tag=tag, contributor=contributor, organization=organization)


def _people() -> list[User]:
    """Contributors whose page a public article's byline links to: authors of
    a listed or hidden article signed in their own name (not an organization's)."""
    authors = (
        Article.objects.public().filter(organization__isnull=True).exclude(author=None)
        .values("author_id")
    )
    return [u for u in User.objects.filter(pk__in=authors).order_by("pk").only("username")
            if is_username(u.username)]


def _tags() -> list[Tag]:
    # Tags of public articles only: a tag made for a draft must not be announced.
    used = Article.tags.through.objects.filter(
        article__in=Article.objects.public().order_by().values("pk")
    ).values("tag_id")
    return list(Tag.objects.filter(pk__in=used).order_by("pk").only("slug"))


def page_paths(own: dict[int, list[str]] | None = None) -> list[str]:
    """Pages, feeds, API reads, sitemap and robots.txt: rendered, short-lived.
    `own`: own_paths(None), when the caller has it already (the whole build)."""
    counts = _Counts.load()
    sections = list(Section.objects.order_by("position", "slug").only("slug"))
    tags = _tags()
    people = _people()
    organizations = list(Organization.objects.order_by("pk").only("slug"))
    hidden = public.hidden_items().count()
    decisions = public.moderation_items().count()
    comment_decisions = public_comment_log().count()  # debate.views.moderation_log

    paths: list[str] = [ROBOTS, SITEMAP, *API_PATHS]
    for lang in languages():
        with translation.override(lang):
            paths += _listing(reverse("newsroom:front"), public.front_items(lang).count())
            paths += [reverse("newsroom:about"), reverse("newsroom:mirrors"),
                      reverse("newsroom:search"), reverse("newsroom:search_shell"),
                      reverse("syndication:latest"), reverse("syndication:latest_rss")]
            paths += _listing(reverse("newsroom:hidden"), hidden)
            paths += _listing(reverse("newsroom:moderation_log"), decisions)
            paths += _listing(reverse("debate:log"), comment_decisions)
            paths += _listing(reverse("newsroom:organizations"),
                              public.organizations_items().count())
            for found in sections:
                paths += _listing(reverse("newsroom:section", args=[found.slug]),
                                  counts.section.get((lang, found.pk), 0))
                paths += [reverse("syndication:section", args=[found.slug]),
                          reverse("syndication:section_rss", args=[found.slug])]
            for found in tags:
                paths += _listing(reverse("newsroom:tag", args=[found.slug]),
                                  counts.tag.get((lang, found.pk), 0))
                paths += [reverse("syndication:tag", args=[found.slug]),
                          reverse("syndication:tag_rss", args=[found.slug])]
            for person in people:
                paths += _listing(reverse("newsroom:contributor", args=[person.username]),
                                  counts.contributor.get(person.pk, 0))
                paths += [reverse("syndication:contributor", args=[person.username]),
                          reverse("syndication:contributor_rss", args=[person.username])]
            for org in organizations:
                paths += _listing(reverse("newsroom:organization", args=[org.slug]),
                                  counts.organization.get(org.pk, 0))
                paths += [reverse("syndication:organization", args=[org.slug]),
                          reverse("syndication:organization_rss", args=[org.slug])]
    for found in (own if own is not None else own_paths(None)).values():
        paths += found[:3]  # page, comment feed, API read (the rest are media files)
    return paths


def media_paths() -> list[str]:
    """Covers and attachment files of public articles: rendered through their
    views, so they get the headers the origin gives them (file_headers)."""
    if not settings.MEDIA_URL.startswith("/"):
        return []  # media on another host: not ours to copy
    public = Article.objects.public().order_by().values("pk")
    names: set[str] = set(
        Article.objects.public().exclude(cover="").values_list("cover", flat=True)
    )
    for attachment in Attachment.objects.filter(article__in=public).only(
        "file", "renditions"
    ):
        names.update(attachment.stored_names())
    return [default_storage.url(name) for name in sorted(names)]


@dataclass(frozen=True)
class StaticFile:
    path: str
    file: Path
    content_type: str
    immutable: bool  # its name holds a hash of its content


def static_files() -> list[StaticFile]:
    """Collected static files under STATIC_ROOT (build.py runs collectstatic
    first). Only hashed names (ManifestStaticFilesStorage) are immutable:
    /static/altavoz/site.css keeps its address when it changes."""
    base = settings.STATIC_URL
    static_root = Path(settings.STATIC_ROOT)
    if not base.startswith("/") or not static_root.is_dir():
        return []
    hashed: set[str] = set()
    if isinstance(staticfiles_storage, ManifestFilesMixin):
        hashed = set(staticfiles_storage.load_manifest().values())
    found: list[StaticFile] = []
    for directory, subdirs, files in os.walk(static_root):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            file = Path(directory, name)
            relative = file.relative_to(static_root).as_posix()
            found.append(StaticFile(
                path=base + quote(relative), file=file, content_type=_static_type(name),
                immutable=relative in hashed,
            ))
    return found


def _static_type(name: str) -> str:
    guessed, _encoding = mimetypes.guess_type(name)
    guessed = guessed or "application/octet-stream"
    if guessed.startswith("text/") or guessed in {"application/javascript", "application/json"}:
        return f"{guessed}; charset=utf-8"
    return guessed


def own_paths(article_ids: Iterable[int] | None) -> dict[int, list[str]]:
    """The paths that belong to each of these articles, if public: its page, its
    comment feed, its API read, its cover and files. What the publisher renders
    when the article changes, and removes when it stops being public. None:
    every public article, for the full build."""
    ids = None if article_ids is None else list(article_ids)
    found: dict[int, list[str]] = {}
    rows = Article.objects.public().filter(language__in=languages()).order_by("pk")
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    reversers = {lang: (_fast_reverse("newsroom:article", lang),
                        _fast_reverse("syndication:article_comments", lang),
                        _fast_reverse("api-v1:article", lang, lang=lang)) for lang in languages()}
    media = settings.MEDIA_URL.startswith("/")
    for pk, lang, slug, cover in rows.values_list("pk", "language", "slug", "cover").iterator(
            chunk_size=5000):
        found[pk] = [reverse_one(slug) for reverse_one in reversers[lang]]
        if cover and media:
            found[pk].append(default_storage.url(cover))
    if media:
        attachments = Attachment.objects.filter(article__in=Article.objects.public().values("pk"))
        if ids is not None:
            attachments = attachments.filter(article_id__in=list(found))
        for attachment in attachments.order_by("pk").only("article_id", "file", "renditions"):
            found[attachment.article_id] += [default_storage.url(name)
                                             for name in attachment.stored_names()]
    return found
