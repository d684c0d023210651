"""The reader's pages. Each one is the same bytes for every reader (no session,
no CSRF token, no cookie), because editions will serve them as static files."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from altavoz.newsroom.models import Article, ModerationEntry, Section, Tag
from altavoz.newsroom.views.article_meta import alternates, json_ld, open_graph
from altavoz.newsroom.views.listing import (
    ALPHABETICAL,
    DECISIONS,
    archive,
    is_username,
    listed,
)
from altavoz.newsroom.views.search import search_page
from altavoz.people.models import Organization, User

# How many featured articles head the front page: enough for a day's main
# stories, few enough that the wire stays above the fold on a phone.
FEATURED_COUNT = 5
# An update within a minute of publishing is part of publishing, not news.
_UPDATE_SHOWN_AFTER = timedelta(minutes=1)


def _language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def front_items(language: str) -> QuerySet[Article]:
    """The front page's wire: every listed article in the page's language."""
    return listed().filter(language=language)


def section_items(found: Section, language: str) -> QuerySet[Article]:
    return listed().filter(language=language, section=found)


def tag_items(found: Tag, language: str) -> QuerySet[Article]:
    return listed().filter(language=language, tags=found)


def front(request: HttpRequest, k: int | None = None) -> HttpResponse:
    lang = _language()
    listing = archive(front_items(lang), k, reverse("newsroom:front"))
    featured = []
    if k is None:
        featured = list(
            listed()
            .filter(language=lang, featured=True)
            .order_by(F("featured_at").desc(nulls_last=True), "-published_at")[:FEATURED_COUNT]
        )
    return render(request, "newsroom/front.html", {
        "listing": listing,
        "featured": featured,
        "alternates": _bare_in_every_language(k, "newsroom:front"),
    })


def section(request: HttpRequest, slug: str, k: int | None = None) -> HttpResponse:
    found = get_object_or_404(Section, slug=slug)
    listing = archive(section_items(found, _language()), k,
                      reverse("newsroom:section", args=[found.slug]))
    return render(request, "newsroom/listing.html", {
        "heading": found.name,
        "listing": listing,
        "feed_url": reverse("syndication:section", args=[found.slug]),
        "alternates": _bare_in_every_language(k, "newsroom:section", found.slug),
    })


def tag(request: HttpRequest, slug: str, k: int | None = None) -> HttpResponse:
    found = get_object_or_404(Tag, slug=slug)
    listing = archive(tag_items(found, _language()), k,
                      reverse("newsroom:tag", args=[found.slug]))
    return render(request, "newsroom/listing.html", {
        "heading": _("Tagged “%(tag)s”") % {"tag": found.name},
        "listing": listing,
        "feed_url": reverse("syndication:tag", args=[found.slug]),
        "alternates": _bare_in_every_language(k, "newsroom:tag", found.slug),
    })


def _bare_in_every_language(k: int | None, name: str, *args: str) -> list[dict] | None:
    """The language switcher of an archive page of a per-language listing:
    page k in another language holds other articles, and may not exist, so
    it points at that language's latest page. None: the default switcher."""
    if k is None:
        return None
    links = []
    for code, language_name in settings.LANGUAGES:
        with translation.override(code):
            links.append({"code": code, "name": language_name, "url": reverse(name, args=args)})
    return links


def article(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        found = (
            Article.objects.public()
            .select_related("section", "author", "organization", "group")
            .prefetch_related("tags")
            .get(language=_language(), slug=slug)
        )
    except Article.DoesNotExist as exc:
        raise Http404(_("There is no article at this address.")) from exc
    known = dict(settings.LANGUAGES)
    others = [
        t for t in found.translations().only("id", "language", "slug", "group_id")
        if t.language in known
    ]
    others.sort(key=lambda t: list(known).index(t.language))
    updated = None
    if found.published_at and found.updated_at - found.published_at >= _UPDATE_SHOWN_AFTER:
        updated = found.updated_at
    return render(request, "newsroom/article.html", {
        "article": found,
        "updated": updated,
        "translations": [
            {"code": t.language, "name": known[t.language], "url": t.get_absolute_url()}
            for t in others
        ],
        "alternates": alternates(found, others),
        "open_graph": open_graph(request, found),
        "json_ld": json_ld(request, found),
    })


def contributor_items(person: User) -> QuerySet[Article]:
    # Articles signed by an organization stay under its name only: listing them
    # here would tell anyone who wrote a union's or council's communiqué.
    return listed().filter(author=person, organization__isnull=True)


def contributor(request: HttpRequest, username: str, k: int | None = None) -> HttpResponse:
    if not is_username(username):
        raise Http404(_("There is no contributor with that name."))
    person = get_object_or_404(User, username=username)
    base = reverse("newsroom:contributor", args=[person.username])
    return render(request, "newsroom/contributor.html", {
        "heading": person.public_name,
        "person": person,
        "listing": archive(contributor_items(person), k, base),
        "feed_url": reverse("syndication:contributor", args=[person.username]),
    })


def organizations_items() -> QuerySet[Organization]:
    """Alphabetical. Its archive pages count from the end of the alphabet, like
    every listing's count from its far end; an organization is rarely added."""
    return Organization.objects.order_by("name", "pk")


def organizations(request: HttpRequest, k: int | None = None) -> HttpResponse:
    listing = archive(organizations_items(), k, reverse("newsroom:organizations"),
                      labels=ALPHABETICAL, sort_value=lambda org: org.name, dated=False)
    return render(request, "newsroom/organizations.html", {
        "heading": _("Organizations"),
        "listing": listing,
    })


def organization_items(org: Organization) -> QuerySet[Article]:
    return listed().filter(organization=org)


def organization(request: HttpRequest, slug: str, k: int | None = None) -> HttpResponse:
    org = get_object_or_404(Organization, slug=slug)
    base = reverse("newsroom:organization", args=[org.slug])
    return render(request, "newsroom/organization.html", {
        "heading": org.name,
        "org": org,
        "listing": archive(organization_items(org), k, base),
        "feed_url": reverse("syndication:organization", args=[org.slug]),
    })


def hidden_items() -> QuerySet[Article]:
    """Hidden articles, most recently hidden first."""
    hidden_at = (
        ModerationEntry.objects.filter(article=OuterRef("pk"), action=ModerationEntry.Action.HIDE)
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return (
        Article.objects.public()
        .filter(status=Article.Status.HIDDEN)
        .select_related("section", "author", "organization")
        .defer("body", "body_html")
        .annotate(hidden_at=Subquery(hidden_at))
        .order_by(F("hidden_at").desc(nulls_last=True), "-published_at", "-id")
    )


def hidden(request: HttpRequest, k: int | None = None) -> HttpResponse:
    listing = archive(hidden_items(), k, reverse("newsroom:hidden"),
                      sort_value=lambda a: a.hidden_at or a.published_at)
    return render(request, "newsroom/hidden.html", {
        "heading": _("Hidden articles"),
        "listing": listing,
    })


def moderation_items() -> QuerySet[ModerationEntry]:
    """Public moderation decisions, newest first; spam rejections stay out."""
    return (
        ModerationEntry.objects.exclude(action=ModerationEntry.Action.REJECT)
        .select_related("article")
        .defer("actor", "article__body", "article__body_html", "article__lede")
        .order_by("-created_at", "-id")
    )


def moderation_log(request: HttpRequest, k: int | None = None) -> HttpResponse:
    listing = archive(moderation_items(), k, reverse("newsroom:moderation_log"),
                      labels=DECISIONS, sort_value=lambda e: e.created_at)
    roles = dict(User.Role.choices)
    now = timezone.now()
    for entry in listing.items:
        entry.role_label = roles.get(entry.actor_role, entry.actor_role)
        art = entry.article
        # Name only what readers can already open: a scheduled or queued title
        # is not public yet, and may never be (spam is rejected unseen).
        is_public = art.status in {Article.Status.PUBLISHED, Article.Status.HIDDEN} and (
            art.published_at is not None and art.published_at <= now
        )
        entry.public_article = art if is_public else None
    return render(request, "newsroom/moderation_log.html", {
        "heading": _("Moderation log"),
        "listing": listing,
    })


def about(request: HttpRequest) -> HttpResponse:
    return render(request, "newsroom/about.html", {
        "heading": _("About %(site)s") % {"site": settings.ALTAVOZ_SITE_NAME},
    })


def search(request: HttpRequest) -> HttpResponse:
    """Full-text search with filters: altavoz.newsroom.views.search."""
    return search_page(request)
