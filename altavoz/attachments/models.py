"""Pictures and PDF documents attached to an article.

Only cleaned files are stored: renditions re-encoded from pixels, or a PDF
rewritten without metadata. The uploader's file never reaches the disk, and
names on disk are random (storage.py), so nothing on disk or in an address says
who uploaded what, and nobody can guess the address of a draft's files.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from altavoz.newsroom.models import Article


class Attachment(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", _("image")
        DOCUMENT = "document", _("document")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # 32 random hex digits; every stored file name starts with it (storage.py).
    key = models.CharField(max_length=32, unique=True, editable=False)
    # The caption of an image, or the title of a document: what readers see.
    title = models.CharField(_("caption or title"), max_length=300, blank=True)
    alt = models.CharField(_("description"), max_length=300, blank=True)
    # What the uploader called the file, cleaned; shown only on the origin's
    # attachments page (it may carry a name), never used on disk or for readers.
    display_name = models.CharField(max_length=120, blank=True)
    # The file linked to: the PDF, or the widest fallback rendition of an image.
    file = models.CharField(max_length=100)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()  # bytes of `file`
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    # [{"width", "height", "webp", "fallback"}, …] narrowest first; storage names.
    renditions = models.JSONField(default=list, blank=True)
    position = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["article", "position", "id"]
        indexes = [models.Index(fields=["article", "position"], name="attachment_order")]

    def __str__(self) -> str:
        return self.title or self.display_name or self.key

    @property
    def is_image(self) -> bool:
        return self.kind == self.Kind.IMAGE

    def stored_names(self) -> list[str]:
        """Every file on disk that belongs to this attachment."""
        names = {self.file}
        for rendition in self.renditions:
            names.update((rendition["webp"], rendition["fallback"]))
        return sorted(name for name in names if name)

    def download_name(self) -> str:
        """The file name readers' browsers save a document under: from the public
        title, not from the uploader's own file name (which may name them)."""
        stem = slugify(self.title)[:80].strip("-") or "document"
        return f"{stem}.pdf"
