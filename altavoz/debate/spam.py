"""Spam signals, read from the comment and its author's record, never from the network.

Each signal is a reason to send a comment to the review queue rather than a
verdict: editors see the reasons beside it and decide. Nothing here looks at
addresses (DESIGN.md, principle 5); the edge deals with floods by network.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from altavoz.debate.models import Comment
from altavoz.newsroom import workflow

# Texts shorter than this, normalized, repeat innocently ("gracias", "+1", "¡de acuerdo!").
REPEAT_MIN_CHARS = 20

_LINK = re.compile(r"(?i)(?:\bhttps?://|\bwww\.|\bmailto:)")
_NON_WORD = re.compile(r"[\W_]+")

# Every reason a comment may wait for review, as editors read it in the queue.
REASONS = {
    "anonymous": _("posted without an account"),
    "article": _("this article's comments are reviewed first"),
    "person": _("this person's comments are reviewed first"),
    "new_account": _("new account"),
    "links": _("many links"),
    "repeated": _("the same text was posted recently"),
    "history": _("earlier comments or articles were hidden or rejected"),
}


def normalize(body: str) -> str:
    """Letters and digits only, case-folded: spacing and punctuation tricks do not count."""
    return _NON_WORD.sub(" ", body.casefold()).strip()


def digest(body: str) -> str:
    return hashlib.sha256(normalize(body).encode()).hexdigest()


def link_count(body: str) -> int:
    """Links written out or in Markdown; bare addresses count too, clickable or not."""
    return len(_LINK.findall(body))


def repeat_window_start(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.ALTAVOZ_COMMENT_REPEAT_WINDOW)


def review_reasons(article, author, body: str, body_digest: str, now: datetime) -> list[str]:
    """Why this comment should wait for an editor; [] publishes it at once."""
    if author is not None and author.is_editor:
        return []  # editors are the reviewers
    reasons: list[str] = []
    if author is None:
        reasons.append("anonymous")
    if article.comments == article.Comments.MODERATED:
        reasons.append("article")
    if author is not None and author.comments_premoderated:
        reasons.append("person")
    # Trusted contributors were vouched for by the editors; the signals below are
    # about strangers.
    stranger = author is None or not author.publishes_directly
    if stranger and author is not None:
        age = timedelta(days=settings.ALTAVOZ_COMMENT_NEW_ACCOUNT_DAYS)
        if author.date_joined > now - age:
            reasons.append("new_account")
    if stranger and link_count(body) > settings.ALTAVOZ_COMMENT_MAX_LINKS:
        reasons.append("links")
    if len(normalize(body)) >= REPEAT_MIN_CHARS and Comment.objects.filter(
        digest=body_digest, created_at__gte=repeat_window_start(now)
    ).exists():
        reasons.append("repeated")
    if stranger and author is not None and _has_bad_record(author):
        reasons.append("history")
    return reasons


def _has_bad_record(author) -> bool:
    """Any rejection (spam) or ALTAVOZ_COMMENT_HIDDEN_STRIKES hidings, comments and
    articles together. Readers' reports alone do not count: they can be brigaded."""
    Status = Comment.Status
    counts = dict(
        Comment.objects.filter(author=author, status__in=[Status.HIDDEN, Status.REJECTED])
        .values_list("status")
        .annotate(n=Count("id"))
    )
    articles = workflow.submitter_history(author)
    rejected = counts.get(Status.REJECTED, 0) + articles["rejected"]
    hidden = counts.get(Status.HIDDEN, 0) + articles["hidden"]
    return rejected > 0 or hidden >= settings.ALTAVOZ_COMMENT_HIDDEN_STRIKES


def reason_labels(codes: list[str]) -> list[str]:
    return [str(REASONS.get(code, code)) for code in codes]
