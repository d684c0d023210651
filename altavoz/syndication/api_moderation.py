"""The editors' queue and actions. Each call needs an editor's token and a
current TOTP code (header X-OTP-Code): a stolen token alone moderates nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Header, Query, Router

from altavoz.newsroom import workflow
from altavoz.newsroom.forms import ModerationForm
from altavoz.newsroom.models import Article, ModerationEntry
from altavoz.people.models import User
from altavoz.syndication import api_present as present
from altavoz.syndication.api_auth import OTP_HEADER, caller, editor_auth
from altavoz.syndication.api_errors import ApiError
from altavoz.syndication.api_paging import paginate
from altavoz.syndication.api_schemas import (
    MAX_ID,
    ModerationIn,
    ModerationOut,
    QueueFilters,
    QueuePage,
    errors,
)

router = Router(tags=["moderation"], auth=editor_auth)
Status = Article.Status
_OTP_DOC = "The code your authenticator app shows now (editors and admins only)."
# Declared for the schema's sake; EditorAuth has already checked it.
OtpCode = Annotated[
    str | None, Header(None, alias=OTP_HEADER, description=_OTP_DOC, max_length=16)
]
_ACTIONS: dict[str, Callable[..., Article]] = {
    "reject": workflow.reject,
    "hide": workflow.hide,
    "unhide": workflow.unhide,
    "feature": workflow.feature,
    "unfeature": workflow.unfeature,
}


@router.get("/moderation/queue", url_name="moderation_queue", operation_id="moderationQueue",
            response={200: QueuePage, **errors(401, 403, 404, 422, 429)},
            summary="Articles waiting for review, oldest first")
def queue(request: HttpRequest, response: HttpResponse, filters: Query[QueueFilters],
          otp: OtpCode = None) -> dict[str, Any]:
    response["Cache-Control"] = "private, no-store"  # editors' eyes only
    pending = (
        Article.objects.filter(status=Status.PENDING)
        .select_related("author", "section", "organization")
        .defer("body", "body_html")
        .order_by(F("submitted_at").asc(nulls_first=True), "id")
    )
    items, info = paginate(request, pending, filters.page, filters.page_size)
    histories = workflow.submitter_histories(a.author_id for a in items)
    return info | {"items": [_queued(a, histories) for a in items]}


def _queued(article: Article, histories: dict[int, dict[str, int]]) -> dict[str, Any]:
    author: User | None = article.author
    org = article.organization
    return {
        "id": article.pk,
        "language": article.language,
        "title": article.title,
        "lede": article.lede,
        "section": present.section(article.section, article.language),
        "organization": {"slug": org.slug, "name": org.name, "verified": org.verified}
        if org else None,
        "submitted_at": article.submitted_at,
        "submitter": {"username": author.username, "role": author.role,
                      "history": histories[author.pk]} if author else None,
    }


@router.post("/articles/{int:article_id}/moderation", url_name="moderate",
             operation_id="moderateArticle",
             response={200: ModerationOut, **errors(400, 401, 403, 404, 409, 413, 415, 422, 429)},
             summary="Approve, reject, hide, restore, feature or unfeature an article")
def moderate(request: HttpRequest, response: HttpResponse, article_id: int,
             payload: ModerationIn,
             otp: OtpCode = None) -> dict[str, Any]:
    """Logged in the moderation log like the same action on the site. Hiding
    needs a reason (readers see it); `publish_at` schedules an approval."""
    editor = caller(request)
    response["Cache-Control"] = "private, no-store"
    article = Article.objects.filter(pk=article_id).first() if article_id <= MAX_ID else None
    if article is None:
        raise ApiError(404, _("There is no article with the id %(id)d.") % {"id": article_id})
    form = ModerationForm(
        {"action": payload.action, "reason": payload.reason, "publish_at": payload.publish_at}
    )
    if not form.is_valid():
        raise ApiError(422, _("Nothing was changed; see the fields."), code="invalid",
                       fields={name: list(messages) for name, messages in form.errors.items()})
    data = form.cleaned_data
    try:
        if data["action"] == "approve":
            workflow.approve(article, editor, data["reason"], at=data["publish_at"])
        else:
            _ACTIONS[data["action"]](article, editor, data["reason"])
    except ValidationError as exc:
        # The article is not in a state this action applies to (already hidden…).
        raise ApiError(409, " ".join(exc.messages), code="conflict") from exc
    except PermissionDenied as exc:
        raise ApiError(403, str(exc) or _("You may not do this."), code="forbidden") from exc
    entry = ModerationEntry.objects.filter(article=article, actor=editor).order_by(
        "-created_at", "-id").first()
    return {
        "id": article.pk,
        "status": article.status,
        "featured": article.featured,
        "published_at": article.published_at,
        "hidden_reason": article.hidden_reason or None,
        "logged": entry.pk if entry else 0,
        "message": _("Done."),
    }
