"""The upload form and the removal form of the attachments page."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from altavoz.attachments import sniff, uploads
from altavoz.attachments.models import Attachment
from altavoz.newsroom.models import Article

ACCEPT = "image/jpeg,image/png,image/webp,image/gif,application/pdf,.jpg,.jpeg,.png,.webp,.gif,.pdf"


class AttachmentForm(forms.Form):
    # Not required at field level: a file dropped for size by the upload handler
    # must get "too large", not "this field is required".
    file = forms.FileField(
        label=gettext_lazy("File"), required=False, allow_empty_file=True,
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )
    title = forms.CharField(
        label=gettext_lazy("Caption (pictures) or title (documents)"), required=False,
        max_length=300,
        help_text=gettext_lazy("Readers see it under the picture, or as the document's link."),
    )
    alt = forms.CharField(
        label=gettext_lazy("Description of the picture"), required=False, max_length=300,
        help_text=gettext_lazy("What the picture shows, for people who cannot see it. "
                               "Required for pictures."),
    )

    def __init__(self, *args, article: Article, dropped_too_large: bool = False,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.article = article
        self.dropped_too_large = dropped_too_large
        self.fields["file"].help_text = _(
            "A picture (JPEG, PNG, WebP or GIF, up to %(image)s) or a PDF document (up to "
            "%(pdf)s). Location, camera and author data are removed."
        ) % {
            "image": filesizeformat(settings.ALTAVOZ_MAX_IMAGE_BYTES),
            "pdf": filesizeformat(settings.ALTAVOZ_MAX_PDF_BYTES),
        }

    def clean_title(self) -> str:
        return " ".join(self.cleaned_data.get("title", "").split())

    def clean_alt(self) -> str:
        return " ".join(self.cleaned_data.get("alt", "").split())

    def clean_file(self) -> uploads.Prepared | None:
        upload = self.cleaned_data.get("file")
        if self.dropped_too_large:
            raise uploads.too_large_error()
        if not upload:
            raise ValidationError(_("Choose a file to attach."), code="required")
        limit = settings.ALTAVOZ_MAX_ATTACHMENTS
        # Checked before the file is parsed: no work for an upload that cannot be kept.
        if Attachment.objects.filter(article=self.article).count() >= limit:
            raise ValidationError(
                _("This article already has %(count)d attachments, the most allowed. Remove "
                  "one before adding another.") % {"count": limit}, code="too_many")
        return uploads.prepare(upload)

    def clean(self) -> dict:
        data = super().clean()
        prepared = data.get("file")
        if prepared is None:
            return data
        if prepared.kind == sniff.IMAGE and not data.get("alt"):
            self.add_error("alt", _("Describe the picture in a few words for people who "
                                    "cannot see it."))
        if prepared.kind == sniff.DOCUMENT and not data.get("title"):
            self.add_error("title", _("Give the document a title: readers see it as the "
                                      "link to download it."))
        return data


class RemoveForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Public reason"), required=False, max_length=500,
        help_text=gettext_lazy("The article is public: the removal and this reason go to "
                               "the moderation log."),
    )

    def __init__(self, *args, needs_reason: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.needs_reason = needs_reason

    def clean_reason(self) -> str:
        reason = " ".join(self.cleaned_data.get("reason", "").split())
        if self.needs_reason and not reason:
            raise ValidationError(_("Removing a file from a public article needs a public "
                                    "reason: readers will see it in the moderation log."))
        return reason
