"""Newsroom models in the Django admin.

Sections and tags are edited here. Articles are read-mostly: their status
changes go through the editor pages (altavoz.newsroom.workflow) so that every
action lands in the public moderation log; here only classification may change.
Nothing is deleted from here: moderation hides, it does not delete (DESIGN.md, 6).
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from altavoz.newsroom.models import Article, ModerationEntry, Revision, Section, Tag
from altavoz.people.admin import AdminRoleOnly


class ReadOnly(AdminRoleOnly):
    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Section)
class SectionAdmin(AdminRoleOnly, admin.ModelAdmin):
    list_display = ("slug", "names", "position")
    list_editable = ("position",)
    search_fields = ("slug",)


@admin.register(Tag)
class TagAdmin(AdminRoleOnly, admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


class RevisionInline(ReadOnly, admin.TabularInline):
    model = Revision
    extra = 0
    fields = ("number", "title", "made_by", "note", "created_at")
    readonly_fields = fields
    show_change_link = False


class ModerationInline(ReadOnly, admin.TabularInline):
    model = ModerationEntry
    extra = 0
    fields = ("created_at", "action", "actor", "actor_role", "reason")
    readonly_fields = fields


@admin.register(Article)
class ArticleAdmin(AdminRoleOnly, admin.ModelAdmin):
    list_display = ("title", "language", "status", "section", "author", "organization",
                    "published_at", "featured")
    list_filter = ("status", "language", "featured", "section")
    search_fields = ("title", "slug")
    date_hierarchy = "created_at"
    list_select_related = ("section", "author", "organization")
    filter_horizontal = ("tags",)
    fields = ("title", "slug", "language", "group", "status", "featured", "hidden_reason",
              "section", "tags", "author", "organization", "lede", "body", "cover",
              "cover_alt", "created_at", "submitted_at", "published_at", "updated_at")
    # Everything but classification: status and text change through the workflow.
    readonly_fields = tuple(f for f in fields if f not in {"section", "tags", "cover_alt"})
    inlines = [ModerationInline, RevisionInline]

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(ModerationEntry)
class ModerationEntryAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("created_at", "action", "article", "actor", "actor_role", "reason")
    list_filter = ("action", "actor_role")
    search_fields = ("article__title", "reason")
    date_hierarchy = "created_at"
    list_select_related = ("article", "actor")
