"""Comments on articles, readers' reports about them, and the comment moderation log."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from altavoz.debate.markdown import render_comment

# Replies nest this deep at most (1 = a top-level comment). Deeper replies are
# stored and shown flat at this depth, each naming the comment it answers:
# beyond three levels, indentation eats a phone screen and stops helping.
MAX_DEPTH = 3


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for review")
        PUBLISHED = "published", _("published")
        # Hidden automatically after enough readers' reports, until an editor decides.
        FLAGGED = "flagged", _("hidden pending review")
        HIDDEN = "hidden", _("hidden by the editors")
        REJECTED = "rejected", _("rejected as spam")

    # A permanent name for feeds (Atom entry ids), independent of domain and database ids.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    article = models.ForeignKey(
        "newsroom.Article", on_delete=models.CASCADE, related_name="comment_set"
    )
    # Where the comment sits in the thread (never deeper than MAX_DEPTH)…
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    # …and what it answers: the same as parent, except for flattened deep replies.
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    depth = models.PositiveSmallIntegerField(default=1)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="comments",
    )
    body = models.TextField(_("comment (Markdown)"))
    body_html = models.TextField(editable=False, default="")
    # sha256 of the normalized text: finds the same message posted again.
    digest = models.CharField(max_length=64, db_index=True, editable=False, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PUBLISHED)
    # Why it waits for review (spam signals, pre-moderation): for editors only.
    review_reasons = models.JSONField(default=list, blank=True)
    hidden_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["article", "created_at"], name="comment_thread"),
            models.Index(fields=["status", "created_at"], name="comment_queue"),
            models.Index(fields=["author", "created_at"], name="comment_author"),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.article_id}"

    def save(self, *args, **kwargs) -> None:
        self.body_html = render_comment(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return f"{self.article.get_absolute_url()}#{self.anchor}"

    @property
    def anchor(self) -> str:
        return f"comment-{self.pk}"

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED


class CommentReport(models.Model):
    """A signed-in reader's report. One per person and comment: a second report
    by the same person changes nothing (it would let one person hide anything)."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("spam or advertising")
        ABUSE = "abuse", _("abuse or harassment")
        PERSONAL_DATA = "personal_data", _("exposes someone's personal data")
        OFF_TOPIC = "off_topic", _("off topic")
        OTHER = "other", _("something else")

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_reports"
    )
    reason = models.CharField(max_length=16, choices=Reason.choices)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # An editor's decision closes every open report on the comment; kept for history.
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter"], name="one_report_per_person")
        ]
        indexes = [models.Index(fields=["comment", "resolved_at"], name="report_open")]

    def __str__(self) -> str:
        return f"{self.reason} on {self.comment_id}"


class CommentModeration(models.Model):
    """One editors' decision about comments: on a comment, on an article's comment
    policy, or on whether a person's comments are reviewed first. The public log
    shows role, action, time and reason; only editors see who acted. Rejections
    (spam) and decisions about a person are never public."""

    class Action(models.TextChoices):
        APPROVE = "approve", _("approved")
        RESTORE = "restore", _("restored")
        HIDE = "hide", _("hidden")
        REJECT = "reject", _("rejected as spam")
        # Taken by no one: enough readers' reports hid the comment until review.
        FLAG = "flag", _("hidden pending review after readers' reports")
        OPEN = "open", _("comments opened")
        MODERATE = "moderate", _("comments set to wait for review")
        CLOSE = "close", _("comments closed")
        REVIEW_PERSON = "review_person", _("person's comments set to wait for review")
        TRUST_PERSON = "trust_person", _("person's comments no longer wait for review")

    PRIVATE = {Action.REJECT, Action.REVIEW_PERSON, Action.TRUST_PERSON}

    # What the decision is about: a comment (and its article), an article, or a person.
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="moderation"
    )
    article = models.ForeignKey(
        "newsroom.Article", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    # "readers" for the automatic hiding after reports.
    actor_role = models.CharField(max_length=16)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at"], name="comment_moderation_recent")]

    def __str__(self) -> str:
        return f"{self.action} {self.comment_id or self.article_id or self.person_id}"

    @property
    def is_public(self) -> bool:
        return self.action not in self.PRIVATE
