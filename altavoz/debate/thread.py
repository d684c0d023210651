"""The public thread of one article, built from a single query.

What readers see is the same for everyone (it becomes part of the edition):
published comments; a placeholder where readers' reports or the editors hid
one (never a silent gap); comments rejected as spam only as a short notice, and
only when replies hang from them. Pending comments are not there at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from altavoz.debate.models import Comment
from altavoz.newsroom.models import Article

Status = Comment.Status
_SHOWN = [Status.PUBLISHED, Status.FLAGGED, Status.HIDDEN, Status.REJECTED]


@dataclass
class Node:
    comment: Comment
    children: list[Node] = field(default_factory=list)
    # For replies flattened at the deepest level: the comment they answer.
    answers: Comment | None = None

    @property
    def shown(self) -> bool:
        return self.comment.status != Status.REJECTED or any(c.shown for c in self.children)


@dataclass
class Thread:
    roots: list[Node]
    count: int  # published comments, what "N comments" counts


def public_thread(article: Article) -> Thread:
    comments = list(
        Comment.objects.filter(article=article, status__in=_SHOWN)
        .select_related("author")
        .only(
            "id", "article_id", "parent_id", "reply_to_id", "depth", "status", "body_html",
            "hidden_reason", "created_at", "author__username", "author__display_name",
        )
        .order_by("created_at", "id")
    )
    nodes = {c.pk: Node(c) for c in comments}
    roots: list[Node] = []
    for node in nodes.values():
        c = node.comment
        holder = nodes.get(c.parent_id) if c.parent_id else None
        # A parent that is not shown (cannot happen through services) must not lose replies.
        (holder.children if holder else roots).append(node)
        if c.reply_to_id and c.reply_to_id != c.parent_id:
            answered = nodes.get(c.reply_to_id)
            if answered is not None and answered.comment.status == Status.PUBLISHED:
                node.answers = answered.comment
    count = sum(1 for c in comments if c.status == Status.PUBLISHED)
    return Thread(roots=_prune(roots), count=count)


def _prune(nodes: list[Node]) -> list[Node]:
    kept = [n for n in nodes if n.shown]
    for node in kept:
        node.children = _prune(node.children)
    return kept
