"""Posting a comment with a token: the same rules as the site's form
(debate.services.post_comment), answered in JSON."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status

from altavoz.debate.limits import RateLimited
from altavoz.debate.models import Comment
from altavoz.debate.services import post_comment
from altavoz.newsroom.models import Article
from altavoz.syndication.api_auth import caller, token_auth
from altavoz.syndication.api_errors import ApiError, fields_from_django
from altavoz.syndication.api_schemas import MAX_ID, CommentIn, CommentOut, errors

router = Router(tags=["comments"])


@router.post("/articles/{int:article_id}/comments", auth=token_auth, url_name="comment",
             operation_id="postComment",
             response={201: CommentOut, **errors(400, 401, 403, 404, 409, 413, 415, 422, 429)},
             summary="Comment on an article")
def comment(request: HttpRequest, article_id: int, payload: CommentIn) -> Status:
    """Published at once, or held for review (`status: pending`) when the site's
    spam checks or the article's settings ask for it. Too many comments in a
    short time get a 429 with Retry-After."""
    article = None
    if article_id <= MAX_ID:
        # Only public articles: an unpublished one's id must not be confirmed.
        article = Article.objects.public().filter(pk=article_id).first()
    if article is None:
        raise ApiError(404, _("There is no published article with the id %(id)d.")
                       % {"id": article_id})
    try:
        posted = post_comment(article, caller(request), payload.body, parent=payload.parent)
    except RateLimited as exc:
        raise ApiError(429, str(exc), code="rate_limited",
                       headers={"Retry-After": str(exc.retry_after)}) from exc
    except PermissionDenied as exc:
        raise ApiError(403, str(exc) or _("You may not comment."), code="forbidden") from exc
    except ValidationError as exc:
        fields = fields_from_django(exc)
        if fields:
            raise ApiError(422, _("The comment was not posted; see the fields."),
                           code="invalid", fields=fields) from exc
        # Not the comment's fault: the article is closed to comments, or hidden.
        raise ApiError(409, " ".join(exc.messages), code="conflict") from exc
    published = posted.status == Comment.Status.PUBLISHED
    return Status(201, {
        "id": posted.pk,
        "status": posted.status,
        "parent": posted.parent_id,
        "reply_to": posted.reply_to_id,
        "body_html": posted.body_html,
        "created_at": posted.created_at,
        "url": posted.get_absolute_url() if published else None,
        "message": _("Your comment is on the site.") if published else _(
            "Your comment waits for an editor's review before it appears."),
    })
