"""The reader's pages. Each one is the same bytes for every reader (no session,
no CSRF token, no cookie), because editions will serve them as static files."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import F, OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from altavoz.newsroom.models import Article, ModerationEntry, Section, Tag
from altavoz.newsroom.views.article_meta import alternates, json_ld, open_graph
from altavoz.newsroom.views.listing import is_username, listed, paginate
from altavoz.newsroom.views.search import search_page
from altavoz.people.models import Organization, User

# How many featured articles head the front page: enough for a day's main
# stories, few enough that the wire stays above the fold on a phone.
FEATURED_COUNT = 5
# An update within a minute of publishing is part of publishing, not news.
_UPDATE_SHOWN_AFTER = timedelta(minutes=1)


def _language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def front(request: HttpRequest) -> HttpResponse:
    lang = _language()
    listing = paginate(request, listed().filter(language=lang))
    featured = []
    if listing.page.number == 1:
        featured = list(
            listed()
            .filter(language=lang, featured=True)
            .order_by(F("featured_at").desc(nulls_last=True), "-published_at")[:FEATURED_COUNT]
        )
    return render(request, "newsroom/front.html", {"listing": listing, "featured": featured})


def section(request: HttpRequest, slug: str) -> HttpResponse:
    found = get_object_or_404(Section, slug=slug)
    listing = paginate(request, listed().filter(language=_language(), section=found))
    return render(request, "newsroom/listing.html", {
        "heading": found.name,
        "listing": listing,
        "feed_url": reverse("syndication:section", args=[found.slug]),
    })


def tag(request: HttpRequest, slug: str) -> HttpResponse:
    found = get_object_or_404(Tag, slug=slug)
    listing = paginate(request, listed().filter(language=_language(), tags=found))
    return render(request, "newsroom/listing.html", {
        "heading": _("Tagged “%(tag)s”") % {"tag": found.name},
        "listing": listing,
        "feed_url": reverse("syndication:tag", args=[found.slug]),
    })


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


def contributor(request: HttpRequest, username: str) -> HttpResponse:
    if not is_username(username):
        raise Http404(_("There is no contributor with that name."))
    person = get_object_or_404(User, username=username)
    # Articles signed by an organization stay under its name only: listing them
    # here would tell anyone who wrote a union's or council's communiqué.
    items = listed().filter(author=person, organization__isnull=True)
    return render(request, "newsroom/contributor.html", {
        "heading": person.public_name,
        "person": person,
        "listing": paginate(request, items),
        "feed_url": reverse("syndication:contributor", args=[person.username]),
    })


def organizations(request: HttpRequest) -> HttpResponse:
    listing = paginate(request, Organization.objects.order_by("name", "pk"))
    return render(request, "newsroom/organizations.html", {
        "heading": _("Organizations"),
        "listing": listing,
    })


def organization(request: HttpRequest, slug: str) -> HttpResponse:
    org = get_object_or_404(Organization, slug=slug)
    return render(request, "newsroom/organization.html", {
        "heading": org.name,
        "org": org,
        "listing": paginate(request, listed().filter(organization=org)),
        "feed_url": reverse("syndication:organization", args=[org.slug]),
    })


def hidden(request: HttpRequest) -> HttpResponse:
    hidden_at = (
        ModerationEntry.objects.filter(article=OuterRef("pk"), action=ModerationEntry.Action.HIDE)
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    items = (
        Article.objects.public()
        .filter(status=Article.Status.HIDDEN)
        .select_related("section", "author", "organization")
        .defer("body", "body_html")
        .annotate(hidden_at=Subquery(hidden_at))
        .order_by(F("hidden_at").desc(nulls_last=True), "-published_at", "-id")
    )
    return render(request, "newsroom/hidden.html", {
        "heading": _("Hidden articles"),
        "listing": paginate(request, items),
    })


def moderation_log(request: HttpRequest) -> HttpResponse:
    entries = (
        ModerationEntry.objects.exclude(action=ModerationEntry.Action.REJECT)
        .select_related("article")
        .defer("actor", "article__body", "article__body_html", "article__lede")
        .order_by("-created_at", "-id")
    )
    listing = paginate(request, entries)
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
