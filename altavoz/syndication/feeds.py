"""Atom (and one RSS) feed for every listing a reader can follow.

Entry ids are `urn:uuid:` names derived from the translation group's uuid and
the language. They never change: not when the title or slug does, and not when
the site moves to another domain, network or onion address under attack (a
`tag:` URI would have to name a domain the collective may lose). Each language
version is its own entry, as it is its own article.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from altavoz.newsroom.models import Article, Section, Tag
from altavoz.newsroom.views.article_meta import byline_name, byline_url
from altavoz.newsroom.views.listing import is_username, listed
from altavoz.people.models import Organization, User
from altavoz.syndication.stable import StableAtom, StableRss


def entry_id(article: Article) -> str:
    """The article's permanent Atom id / RSS guid."""
    return uuid.uuid5(article.group.uuid, article.language).urn


class _Atom(StableAtom):
    # Contributor and organization feeds mix languages: say which each entry is in.
    def item_attributes(self, item: dict) -> dict[str, str]:
        return {"xml:lang": item["language"]} if item.get("language") else {}


@dataclass
class _Scope:
    """What one request of a feed is about; item methods cannot see the request."""

    request: HttpRequest
    title: str
    link: str  # the HTML page the feed mirrors
    articles: QuerySet[Article]


class LatestAtom(Feed):
    """The newest listed articles in the language of the URL prefix."""

    feed_type = _Atom

    def get_object(self, request: HttpRequest, **kwargs: str) -> _Scope:
        return _Scope(
            request=request,
            title=settings.ALTAVOZ_SITE_NAME,
            link=reverse("newsroom:front"),
            articles=listed().filter(language=_language()),
        )

    def title(self, scope: _Scope) -> str:
        return scope.title

    def link(self, scope: _Scope) -> str:
        return scope.link

    def subtitle(self, scope: _Scope) -> str:
        return _("The latest articles on %(site)s") % {"site": settings.ALTAVOZ_SITE_NAME}

    description = subtitle  # RSS's name for it

    def items(self, scope: _Scope) -> list[Article]:
        articles = list(
            scope.articles.select_related("group").prefetch_related("tags")[
                : settings.ALTAVOZ_PAGE_SIZE
            ]
        )
        for article in articles:
            url = byline_url(article)
            article.feed_author_link = scope.request.build_absolute_uri(url) if url else None
        return articles

    def item_title(self, item: Article) -> str:
        # Plain text: Django's default HTML-escapes it, and readers would show "&amp;".
        return item.title

    def item_description(self, item: Article) -> str:
        # Both formats read the description as HTML; the lede is plain text.
        return escape(item.lede)

    def item_link(self, item: Article) -> str:
        return item.get_absolute_url()

    def item_guid(self, item: Article) -> str:
        return entry_id(item)

    item_guid_is_permalink = False

    def item_pubdate(self, item: Article) -> datetime:
        return item.published_at

    def item_updateddate(self, item: Article) -> datetime:
        # A scheduled article was last touched before it went out; never before publishing.
        return max(item.updated_at, item.published_at)

    def item_author_name(self, item: Article) -> str:
        return byline_name(item)

    def item_author_link(self, item: Article) -> str | None:
        return item.feed_author_link

    def item_categories(self, item: Article) -> list[str]:
        return [item.section.name, *(t.name for t in item.tags.all())]

    def item_extra_kwargs(self, item: Article) -> dict[str, str]:
        return {"language": item.language}


class LatestRss(LatestAtom):
    """RSS 2.0 for the readers and aggregators that still know nothing else."""

    feed_type = StableRss


class SectionAtom(LatestAtom):
    def get_object(self, request: HttpRequest, slug: str) -> _Scope:
        section = get_object_or_404(Section, slug=slug)
        return _Scope(
            request=request,
            title=f"{settings.ALTAVOZ_SITE_NAME}: {section.name}",
            link=reverse("newsroom:section", args=[section.slug]),
            articles=listed().filter(language=_language(), section=section),
        )


class TagAtom(LatestAtom):
    def get_object(self, request: HttpRequest, slug: str) -> _Scope:
        tag = get_object_or_404(Tag, slug=slug)
        return _Scope(
            request=request,
            title=f"{settings.ALTAVOZ_SITE_NAME}: {tag.name}",
            link=reverse("newsroom:tag", args=[tag.slug]),
            articles=listed().filter(language=_language(), tags=tag),
        )


class ContributorAtom(LatestAtom):
    """A person's articles in every language, except those signed by an
    organization: those belong to the organization's feed alone."""

    def get_object(self, request: HttpRequest, username: str) -> _Scope:
        if not is_username(username):
            raise Http404(_("There is no contributor with that name."))
        person = get_object_or_404(User, username=username)
        return _Scope(
            request=request,
            title=f"{settings.ALTAVOZ_SITE_NAME}: {person.public_name}",
            link=reverse("newsroom:contributor", args=[person.username]),
            articles=listed().filter(author=person, organization__isnull=True),
        )


class OrganizationAtom(LatestAtom):
    def get_object(self, request: HttpRequest, slug: str) -> _Scope:
        org = get_object_or_404(Organization, slug=slug)
        return _Scope(
            request=request,
            title=f"{settings.ALTAVOZ_SITE_NAME}: {org.name}",
            link=reverse("newsroom:organization", args=[org.slug]),
            articles=listed().filter(organization=org),
        )


def _language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def _rss(atom: type[LatestAtom]) -> type[LatestAtom]:
    """The same feed in RSS 2.0, for readers and aggregators that know nothing else."""
    return type(atom.__name__.replace("Atom", "Rss"), (atom,), {"feed_type": StableRss})


SectionRss = _rss(SectionAtom)
TagRss = _rss(TagAtom)
ContributorRss = _rss(ContributorAtom)
OrganizationRss = _rss(OrganizationAtom)
