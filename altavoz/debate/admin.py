"""Comments in the Django admin: read-only. Decisions go through the editor
pages (services.moderate_comment) so that each lands in the comment log."""

from __future__ import annotations

from django.contrib import admin

from altavoz.debate.models import Comment, CommentModeration, CommentReport
from altavoz.newsroom.admin import ReadOnly


class ReportInline(ReadOnly, admin.TabularInline):
    model = CommentReport
    extra = 0
    fields = ("created_at", "reporter", "reason", "note", "resolved_at")
    readonly_fields = fields


class ModerationInline(ReadOnly, admin.TabularInline):
    model = CommentModeration
    extra = 0
    fields = ("created_at", "action", "actor", "actor_role", "reason")
    readonly_fields = fields


@admin.register(Comment)
class CommentAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("id", "article", "author", "status", "depth", "created_at")
    list_filter = ("status",)
    list_select_related = ("article", "author")
    date_hierarchy = "created_at"
    fields = ("article", "parent", "reply_to", "depth", "author", "status", "hidden_reason",
              "review_reasons", "body", "created_at", "moderated_at")
    readonly_fields = fields
    inlines = [ReportInline, ModerationInline]
