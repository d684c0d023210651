"""Articles: public reads (list, detail) and submitting with a token.

Submissions go through the web form's ArticleForm and the same save steps as
the writing page, so the API cannot publish anything the site would refuse.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import register_converter
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status

from altavoz.newsroom import workflow
from altavoz.newsroom.forms import ArticleForm
from altavoz.newsroom.models import Article, Section, Tag
from altavoz.newsroom.views.listing import listed
from altavoz.newsroom.views.writing import _save as save_from_form
from altavoz.people.models import Organization, User
from altavoz.search.backends import get_backend
from altavoz.search.query import clean_query
from altavoz.syndication import api_present as present
from altavoz.syndication.api_auth import caller, token_auth
from altavoz.syndication.api_errors import NON_FIELD, ApiError
from altavoz.syndication.api_paging import paginate
from altavoz.syndication.api_schemas import (
    MAX_ID,
    ArticleDetail,
    ArticleFilters,
    ArticleIn,
    ArticlePage,
    SubmittedOut,
    errors,
)

router = Router(tags=["articles"])


class _LanguageConverter:
    """Only the site's language codes: otherwise /articles/x/comments (a junk id)
    would be taken for the article "comments" in language "x", and get a 405."""

    regex = "|".join(re.escape(code) for code, _name in settings.LANGUAGES)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(_LanguageConverter, "sitelang")

# `q` narrows the list to the search backend's best matches; the list itself
# stays newest first like every listing. The bound keeps one request from
# walking a whole index of common words.
MAX_SEARCH_MATCHES = 1000
_READ_ERRORS = errors(404, 422)


@router.get("/articles", response={200: ArticlePage, **_READ_ERRORS}, url_name="articles",
            operation_id="listArticles", summary="Published articles, newest first")
def list_articles(request: HttpRequest, filters: Query[ArticleFilters]) -> dict[str, Any]:
    """Listed articles (published and due; hidden ones appear only by address),
    filtered, one page at a time. No token needed."""
    found = _filtered(filters).prefetch_related("tags")
    items, info = paginate(request, found, filters.page, filters.page_size)
    return info | {"items": [present.summary(a) for a in items]}


def _filtered(filters: ArticleFilters) -> QuerySet[Article]:
    found = listed()
    language = filters.language.value if filters.language else None
    if language:
        found = found.filter(language=language)
    if filters.section:
        found = found.filter(section=_one(Section, filters.section, _(
            "There is no section with the address name “%(slug)s”.")))
    if filters.tag:
        found = found.filter(tags=_one(Tag, filters.tag, _(
            "There is no tag with the address name “%(slug)s”.")))
    if filters.organization:
        found = found.filter(organization=_one(Organization, filters.organization, _(
            "There is no organization with the address name “%(slug)s”.")))
    if filters.author:
        person = User.objects.filter(username=filters.author).first()
        if person is None:
            raise ApiError(404, _("There is no contributor “%(name)s”.")
                           % {"name": filters.author})
        # Never by organization: that would tell who wrote a union's communiqué.
        found = found.filter(author=person, organization__isnull=True)
    if filters.since:
        found = found.filter(published_at__date__gte=filters.since)
    if filters.until:
        found = found.filter(published_at__date__lte=filters.until)
    query = clean_query(filters.q or "")
    if query:
        results = get_backend().search(
            query, language=language, section=filters.section, date_from=filters.since,
            date_to=filters.until, page=1, page_size=MAX_SEARCH_MATCHES,
        )
        found = found.filter(pk__in=[hit.article_id for hit in results.hits])
    return found


def _one(model: type, slug: str, missing: str) -> Any:
    found = model.objects.filter(slug=slug).first()
    if found is None:
        raise ApiError(404, missing % {"slug": slug})
    return found


def _public(**lookup: Any) -> Article:
    try:
        return (
            Article.objects.public()
            .select_related("section", "author", "organization", "group")
            .prefetch_related("tags")
            .get(**lookup)
        )
    except Article.DoesNotExist as exc:
        raise ApiError(404, _("There is no published article at this address.")) from exc


@router.get("/articles/{int:article_id}", response={200: ArticleDetail, **_READ_ERRORS},
            url_name="article_by_id", operation_id="getArticleById", summary="One article, by id")
def article_by_id(request: HttpRequest, article_id: int) -> dict[str, Any]:
    if article_id > MAX_ID:
        raise ApiError(404, _("There is no published article at this address."))
    return present.detail(_public(pk=article_id))


@router.get("/articles/{sitelang:lang}/{slug:slug}",
            response={200: ArticleDetail, **_READ_ERRORS}, url_name="article",
            operation_id="getArticle",
            summary="One article, by language and address name")
def article(request: HttpRequest, lang: str, slug: str) -> dict[str, Any]:
    """Published or hidden (hidden articles stay readable, with the editors' reason)."""
    return present.detail(_public(language=lang, slug=slug))


@router.post("/articles", auth=token_auth, url_name="submit", operation_id="submitArticle",
             response={201: SubmittedOut, **errors(400, 401, 409, 413, 415, 422)},
             summary="Submit an article")
def submit(request: HttpRequest, payload: ArticleIn) -> Status:
    """Trusted contributors, editors and verified organizations' publishers
    publish at once; everyone else's articles wait in the editors' queue."""
    user = caller(request)
    data, field_errors = _form_data(payload, user)
    form = ArticleForm(data, instance=Article(language=data["language"]), user=user)
    if not form.is_valid() or field_errors:
        for name, messages in form.errors.items():
            field_errors.setdefault(NON_FIELD if name == "__all__" else name, []).extend(messages)
        raise ApiError(422, _("The article was not saved; see the fields."), code="invalid",
                       fields=field_errors)
    try:
        with transaction.atomic():
            saved = save_from_form(form, user, "submit")
    except IntegrityError as exc:
        # Two people took the same address at the same instant; a retry works.
        raise ApiError(409, _("Someone saved a similar article at the same moment. "
                              "Please send it again.")) from exc
    published = saved.status == Article.Status.PUBLISHED
    return Status(201, {
        "id": saved.pk,
        "status": saved.status,
        "language": saved.language,
        "slug": saved.slug,
        "url": saved.get_absolute_url(),
        "api_url": present.api_url(saved) if published else None,
        "message": _("Published: your article is on the site.") if published else _(
            "Sent for review. An editor will look at it soon; until then it is not public."),
    })


def _form_data(payload: ArticleIn, user: User) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The form's fields from the API's: slugs become ids, tags a comma list."""
    problems: dict[str, list[str]] = {}
    data: dict[str, Any] = {
        "title": payload.title, "lede": payload.lede, "body": payload.body,
        "language": payload.language.value, "tags": ", ".join(payload.tags),
        "translation_of": payload.translation_of or "",
    }
    found = Section.objects.filter(slug=payload.section).first()
    if found is None:
        problems["section"] = [_("There is no section “%(slug)s”. Choose one of: %(all)s.") % {
            "slug": payload.section,
            "all": ", ".join(Section.objects.values_list("slug", flat=True)),
        }]
    else:
        data["section"] = found.pk
    if payload.organization:
        org = Organization.objects.filter(slug=payload.organization).first()
        # The form would silently drop an organization the user may not sign for.
        if org is None or not workflow.may_sign_for(user, org):
            problems["organization"] = [_(
                "You may sign only for organizations in which you are a publisher or "
                "coordinator; “%(slug)s” is not one of them.") % {"slug": payload.organization}]
        else:
            data["organization"] = org.pk
    return data, problems
