"""What the pages and the API do with comments: post, report, moderate.

Every rule lives here, so the HTML views and the JSON API cannot drift apart:
- post_comment() raises ValidationError for bad input (field errors under
  "body" or "parent"), closed or unpublished articles; PermissionDenied for
  people who may not comment; limits.RateLimited when someone posts too fast.
- report_comment() and moderate_comment() likewise. Every editor action and
  every automatic hiding lands in CommentModeration in the same transaction.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from altavoz.debate import limits, spam
from altavoz.debate.models import MAX_DEPTH, Comment, CommentModeration, CommentReport
from altavoz.newsroom import workflow
from altavoz.newsroom.models import Article

Status = Comment.Status
Action = CommentModeration.Action
# Room for a sentence or two; longer notes belong in a message to the editors.
MAX_NOTE_CHARS = 500
MAX_REASON_CHARS = 1000
MODERATION_ACTIONS = ("approve", "hide", "reject")


def _person(user):
    return user if user is not None and user.is_authenticated else None


def check_open(article: Article) -> None:
    """Raise ValidationError unless the article takes comments now."""
    now = timezone.now()
    public = (
        article.status == Article.Status.PUBLISHED
        and article.published_at is not None
        and article.published_at <= now
    )
    if not public:
        raise ValidationError(
            _("Only published articles take comments."), code="not_public"
        )
    if article.comments == Article.Comments.CLOSED:
        raise ValidationError(_("Comments are closed on this article."), code="closed")


def may_comment(user) -> bool:
    person = _person(user)
    if person is None:
        return settings.ALTAVOZ_ANONYMOUS_COMMENTS
    return person.is_active


# Invisible control characters (and XML's two non-characters) are dropped: no
# one means them, and a single one would make the comment feed invalid XML.
_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def _clean_text(value, field: str, limit: int, *, required: bool) -> str:
    if not isinstance(value, str):
        raise ValidationError({field: _("This must be text.")}, code="invalid")
    text = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if "\x00" in text:
        # PostgreSQL refuses NUL characters; say so instead of failing later.
        raise ValidationError({field: _("The text contains a null character.")}, code="null")
    if required and not text:
        raise ValidationError({field: _("Write something first.")}, code="required")
    if len(text) > limit:
        raise ValidationError({field: _(
            "Keep it under %(limit)d characters (this one has %(n)d)."
        ) % {"limit": limit, "n": len(text)}}, code="max_length")
    return text


def _place(article: Article, parent: Comment | int | None) -> tuple:
    """(parent, reply_to, depth) for a new comment; deep replies are flattened."""
    if parent is None or parent == "":
        return None, None, 1
    if not isinstance(parent, Comment):
        try:
            parent = Comment.objects.select_related("parent").get(pk=int(parent))
        except (TypeError, ValueError, OverflowError, Comment.DoesNotExist) as exc:
            raise ValidationError(
                {"parent": _("There is no such comment to reply to.")}, code="unknown"
            ) from exc
    if parent.article_id != article.pk:
        raise ValidationError(
            {"parent": _("That comment belongs to another article.")}, code="other_article"
        )
    if parent.status != Status.PUBLISHED:
        raise ValidationError(
            {"parent": _("Only comments shown on the site can be answered.")}, code="not_public"
        )
    if parent.depth >= MAX_DEPTH:
        # Shown flat at the deepest level, next to the comment it answers.
        return parent.parent, parent, parent.depth
    return parent, parent, parent.depth + 1


def post_comment(article: Article, author, body: str, parent: Comment | int | None = None,
                 *, client_key: str = "") -> Comment:
    """Post a comment: published at once, or pending review with the reasons recorded.

    `client_key` is the keyed network hash rate-limiting anonymous commenters
    (people.throttle.client_bucket(request).digest); signed-in people are
    limited by user id.
    """
    person = _person(author)
    if not may_comment(person):
        raise PermissionDenied(_("Sign in to comment."))
    check_open(article)
    body = _clean_text(body, "body", settings.ALTAVOZ_MAX_COMMENT_CHARS, required=True)
    parent_comment, reply_to, depth = _place(article, parent)
    now = timezone.now()
    body_digest = spam.digest(body)
    if person is not None and Comment.objects.filter(
        article=article, author=person, digest=body_digest,
        created_at__gte=spam.repeat_window_start(now),
    ).exists():
        raise ValidationError(
            {"body": _("You already posted this comment on this article.")}, code="duplicate"
        )
    key = limits.user_key(person.pk) if person else limits.anonymous_key(client_key or "?")
    limits.check(key)
    reasons = spam.review_reasons(article, person, body, body_digest, now)
    comment = Comment.objects.create(
        article=article, parent=parent_comment, reply_to=reply_to, depth=depth,
        author=person, body=body, digest=body_digest,
        status=Status.PENDING if reasons else Status.PUBLISHED,
        review_reasons=reasons, created_at=now,
    )
    limits.record(key)
    return comment


def _counting_reports(comment: Comment) -> int:
    """Open reports that count towards hiding. Accounts younger than
    ALTAVOZ_COMMENT_NEW_ACCOUNT_DAYS report to the editors but do not hide
    anything: otherwise three fresh accounts could silence anyone."""
    settled = timezone.now() - timedelta(days=settings.ALTAVOZ_COMMENT_NEW_ACCOUNT_DAYS)
    return comment.reports.filter(resolved_at__isnull=True).filter(
        Q(reporter__date_joined__lte=settled) | ~Q(reporter__role="contributor")
    ).count()


def report_comment(comment: Comment, reporter, reason: str, note: str = "") -> CommentReport:
    """Record a report; a second one by the same person returns the first unchanged.

    Once ALTAVOZ_COMMENT_REPORTS_TO_HIDE distinct people's reports are open,
    the comment is hidden pending review, visibly and in the public log.
    """
    person = _person(reporter)
    if person is None or not person.is_active:
        raise PermissionDenied(_("Sign in to report a comment."))
    if reason not in CommentReport.Reason.values:
        raise ValidationError({"reason": _("Choose a reason from the list.")}, code="invalid")
    note = _clean_text(note or "", "note", MAX_NOTE_CHARS, required=False)
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        if comment.status not in {Status.PUBLISHED, Status.FLAGGED}:
            raise ValidationError(
                _("Only comments shown on the site can be reported."), code="not_public"
            )
        if comment.author_id == person.pk:
            raise ValidationError(_("You cannot report your own comment."), code="own")
        report, created = CommentReport.objects.get_or_create(
            comment=comment, reporter=person, defaults={"reason": reason, "note": note}
        )
        if (
            created
            and comment.status == Status.PUBLISHED
            and _counting_reports(comment) >= settings.ALTAVOZ_COMMENT_REPORTS_TO_HIDE
        ):
            comment.status = Status.FLAGGED
            comment.moderated_at = timezone.now()
            comment.save(update_fields=["status", "moderated_at", "body_html"])
            CommentModeration.objects.create(
                comment=comment, article_id=comment.article_id, action=Action.FLAG,
                actor=None, actor_role="readers",
            )
    return report


def moderate_comment(comment: Comment, editor, action: str, reason: str = "") -> CommentModeration:
    """approve (also restores a hidden or flagged comment), hide (with a public
    reason) or reject (spam: never public). Every decision closes the open reports."""
    _require_editor(editor)
    if action not in MODERATION_ACTIONS:
        raise ValidationError({"action": _("Choose approve, hide or reject.")}, code="invalid")
    reason = _clean_text(reason or "", "reason", MAX_REASON_CHARS, required=False)
    now = timezone.now()
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        old = comment.status
        open_reports = comment.reports.filter(resolved_at__isnull=True)
        if action == "approve":
            if old == Status.PUBLISHED and not open_reports.exists():
                raise ValidationError(_("This comment is already published."), code="noop")
            logged = Action.RESTORE if old in {Status.FLAGGED, Status.HIDDEN} else Action.APPROVE
            comment.status, comment.hidden_reason = Status.PUBLISHED, ""
        elif action == "hide":
            if not reason:
                raise ValidationError(
                    {"reason": _("Hiding needs a public reason: readers will see it.")},
                    code="required",
                )
            logged = Action.HIDE
            comment.status, comment.hidden_reason = Status.HIDDEN, reason
        else:
            if old == Status.REJECTED:
                raise ValidationError(_("This comment is already rejected."), code="noop")
            logged = Action.REJECT
            comment.status, comment.hidden_reason = Status.REJECTED, ""
        comment.moderated_at = now
        comment.save(update_fields=["status", "hidden_reason", "moderated_at", "body_html"])
        open_reports.update(resolved_at=now)
        return CommentModeration.objects.create(
            comment=comment, article_id=comment.article_id, action=logged, reason=reason,
            actor=editor, actor_role=editor.role, created_at=now,
        )


_POLICY_ACTIONS = {
    Article.Comments.OPEN: Action.OPEN,
    Article.Comments.MODERATED: Action.MODERATE,
    Article.Comments.CLOSED: Action.CLOSE,
}


def _require_editor(editor) -> None:
    if not workflow.may_moderate(editor):
        raise PermissionDenied(_("Only editors who signed in with two-factor codes may do this."))


def set_article_policy(article: Article, editor, policy: str,
                       reason: str = "") -> CommentModeration:
    """Open, review-first or closed comments on one article; publicly logged."""
    _require_editor(editor)
    if policy not in _POLICY_ACTIONS:
        raise ValidationError({"policy": _("Choose open, moderated or closed.")}, code="invalid")
    reason = _clean_text(reason or "", "reason", MAX_REASON_CHARS, required=False)
    if article.comments == policy:
        raise ValidationError(_("The article already has this setting."), code="noop")
    with transaction.atomic():
        Article.objects.filter(pk=article.pk).update(comments=policy)
        article.comments = policy
        return CommentModeration.objects.create(
            article=article, action=_POLICY_ACTIONS[policy], reason=reason, actor=editor,
            actor_role=editor.role,
        )


def set_person_review(person, editor, review: bool, reason: str = "") -> CommentModeration:
    """Whether one person's comments wait for review. Logged privately: a public
    entry would mark the person for everyone to see."""
    _require_editor(editor)
    reason = _clean_text(reason or "", "reason", MAX_REASON_CHARS, required=False)
    if person.comments_premoderated == review:
        raise ValidationError(_("This person already has this setting."), code="noop")
    with transaction.atomic():
        type(person).objects.filter(pk=person.pk).update(comments_premoderated=review)
        person.comments_premoderated = review
        return CommentModeration.objects.create(
            person=person, action=Action.REVIEW_PERSON if review else Action.TRUST_PERSON,
            reason=reason, actor=editor, actor_role=editor.role,
        )


def public_comment_log() -> QuerySet[CommentModeration]:
    """Comment moderation readers may see, newest first: everything but spam
    rejections and decisions about people. Who acted stays private; the role is shown."""
    return (
        CommentModeration.objects.exclude(action__in=CommentModeration.PRIVATE)
        .select_related("article", "comment")
        .only("action", "reason", "actor_role", "created_at", "article", "comment",
              "comment__status",
              "comment__article_id", "article__title", "article__slug", "article__language",
              "article__status", "article__published_at")
        .order_by("-created_at", "-id")
    )
