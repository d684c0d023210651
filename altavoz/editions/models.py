"""What the publisher still has to put into the live edition.

A row is written in the same transaction as the change it records, so a change
the database kept is never missing from the queue, whatever crashes after; the
publisher deletes rows only once an edition holding them is live.
"""

from __future__ import annotations

from django.db import models


class PendingChange(models.Model):
    class Kind(models.TextChoices):
        ARTICLE = "article"  # an article's text, state, tags, cover, files or place
        THREAD = "thread"  # its comments (the page and the comment feed only)
        FULL = "full"  # something every page may show (a section's name, a person's)

    kind = models.CharField(max_length=16, choices=Kind.choices)
    object_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "object_id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id or ''}".strip()
