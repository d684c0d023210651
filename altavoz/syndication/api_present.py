"""Articles as the API shows them. Public fields only: an article signed by an
organization names the organization, never the person who wrote it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from altavoz.newsroom.models import Article, Section

API = "api-v1"


def api_url(article: Article) -> str:
    return reverse(f"{API}:article", kwargs={"lang": article.language, "slug": article.slug})


def section(found: Section, language: str) -> dict[str, str]:
    # The section's name in the article's language, whatever the request's.
    names = found.names or {}
    return {"slug": found.slug,
            "name": names.get(language) or names.get(settings.LANGUAGE_CODE) or found.slug}


def byline(article: Article) -> dict[str, Any]:
    with translation.override(article.language):
        if article.organization_id:
            org = article.organization
            return {"name": org.name, "kind": "organization",
                    "url": reverse("newsroom:organization", args=[org.slug])}
        if article.author_id:
            person = article.author
            return {"name": person.public_name, "kind": "person",
                    "url": reverse("newsroom:contributor", args=[person.username])}
        return {"name": _("anonymous"), "kind": "anonymous", "url": None}


def summary(article: Article) -> dict[str, Any]:
    return {
        "id": article.pk,
        "language": article.language,
        "slug": article.slug,
        "title": article.title,
        "lede": article.lede,
        "section": section(article.section, article.language),
        "tags": [{"slug": t.slug, "name": t.name} for t in article.tags.all()],
        "byline": byline(article),
        "featured": article.featured,
        "published_at": article.published_at,
        "updated_at": article.updated_at,
        "url": article.get_absolute_url(),
        "api_url": api_url(article),
    }


def detail(article: Article) -> dict[str, Any]:
    known = [code for code, _name in settings.LANGUAGES]
    others = sorted(
        (t for t in article.translations().only("id", "language", "slug", "group_id")
         if t.language in known),
        key=lambda t: known.index(t.language),
    )
    hidden = article.status == Article.Status.HIDDEN
    return summary(article) | {
        "body": article.body,
        "body_html": article.body_html,
        "status": article.status,
        "hidden_reason": article.hidden_reason if hidden else None,
        "translations": {t.language: t.get_absolute_url() for t in others},
    }
