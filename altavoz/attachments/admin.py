"""Attachments in the Django admin: to look and to remove, never to upload.

Uploading through the admin would skip the checks and cleaning of uploads.py.
Removing here deletes the files too (signals.py) but, unlike the attachments
page, leaves no entry in the public moderation log.
"""

from django.contrib import admin

from altavoz.attachments.models import Attachment


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "article", "size", "created_at"]
    list_filter = ["kind"]
    search_fields = ["title", "alt"]
    raw_id_fields = ["article", "uploaded_by"]
    readonly_fields = [
        "article", "kind", "key", "display_name", "file", "content_type", "size", "width",
        "height", "pages", "renditions", "uploaded_by", "created_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False
