"""What an article page says about itself to machines: the language switcher's
targets, OpenGraph tags for link previews and schema.org JSON-LD for search
engines and news aggregators."""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from altavoz.newsroom.models import Article

# Inside <script>, "</script>" or "<!--" in a title would end or bend the
# element: JSON allows escaping these characters, so nothing can break out.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def alternates(article: Article, translations: Iterable[Article]) -> list[dict[str, str]]:
    """The switcher points at the translation if there is one, else at that
    language's front page, never at an address that would 404."""
    by_language = {t.language: t for t in translations}
    by_language[article.language] = article
    links = []
    for code, name in settings.LANGUAGES:
        target = by_language.get(code)
        if target is not None:
            url = target.get_absolute_url()
        else:
            with translation.override(code):
                url = reverse("newsroom:front")
        links.append({"code": code, "name": name, "url": url})
    return links


def byline_name(article: Article) -> str:
    """An organization publishes under its own name; nobody behind it is named."""
    if article.organization_id:
        return article.organization.name
    if article.author_id:
        return article.author.public_name
    return _("anonymous")


def byline_url(article: Article) -> str | None:
    if article.organization_id:
        return reverse("newsroom:organization", args=[article.organization.slug])
    if article.author_id:
        return reverse("newsroom:contributor", args=[article.author.username])
    return None


def open_graph(request: HttpRequest, article: Article) -> list[tuple[str, str]]:
    """(property, content) pairs; the template escapes the values."""
    tags = [
        ("og:type", "article"),
        ("og:site_name", settings.ALTAVOZ_SITE_NAME),
        ("og:title", article.title),
        ("og:description", article.lede),
        ("og:url", request.build_absolute_uri(article.get_absolute_url())),
        ("og:locale", article.language),
    ]
    if article.cover:
        tags.append(("og:image", request.build_absolute_uri(article.cover.url)))
        if article.cover_alt:
            tags.append(("og:image:alt", article.cover_alt))
    if article.published_at:
        tags.append(("article:published_time", article.published_at.isoformat()))
    tags.append(("article:modified_time", article.updated_at.isoformat()))
    tags.append(("article:section", article.section.name))
    tags.extend(("article:tag", t.name) for t in article.tags.all())
    return tags


def json_ld(request: HttpRequest, article: Article) -> SafeString:
    """A schema.org NewsArticle, as a <script type="application/ld+json"> element."""
    url = request.build_absolute_uri(article.get_absolute_url())
    author: dict[str, str] = {
        "@type": "Organization" if article.organization_id else "Person",
        "name": byline_name(article),
    }
    author_url = byline_url(article)
    if author_url:
        author["url"] = request.build_absolute_uri(author_url)
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.lede,
        "inLanguage": article.language,
        "url": url,
        "mainEntityOfPage": url,
        "datePublished": article.published_at,
        "dateModified": article.updated_at,
        "articleSection": article.section.name,
        "keywords": [t.name for t in article.tags.all()],
        "author": author,
        "publisher": {"@type": "Organization", "name": settings.ALTAVOZ_SITE_NAME},
    }
    if article.cover:
        data["image"] = request.build_absolute_uri(article.cover.url)
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(text.translate(_SCRIPT_ESCAPES)),
    )
