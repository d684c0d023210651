"""From an untrusted upload to cleaned bytes ready to store, or a message saying why not.

The order is the cheap checks first: size (from the upload's own count, before
reading it), then the magic bytes, the name, hidden payloads, and only then the
full parse (Pillow or pypdf). Nothing here writes to disk; the view stores the
result once the whole form is valid.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from altavoz.attachments import images, sniff, storage
from altavoz.attachments.images import ImageProblem
from altavoz.attachments.pdf import PdfProblem, clean_pdf

_HEAD_BYTES = 1024
_DISPLAY_NAME_CHARS = 120


@dataclass
class Prepared:
    kind: str  # sniff.IMAGE or sniff.DOCUMENT
    key: str
    display_name: str
    file: str  # storage name of the linked file
    content_type: str
    size: int
    files: dict[str, bytes] = field(default_factory=dict)  # storage name → bytes
    width: int | None = None
    height: int | None = None
    pages: int | None = None
    renditions: list[dict] = field(default_factory=list)


def largest_allowed() -> int:
    return max(settings.ALTAVOZ_MAX_IMAGE_BYTES, settings.ALTAVOZ_MAX_PDF_BYTES)


def too_large_error(size: int | None = None) -> ValidationError:
    """For a file too large for any kind (we may not even have its first bytes)."""
    return ValidationError(
        _("The file is too large. Pictures may be up to %(image)s and PDF documents up to "
          "%(pdf)s. Make it smaller (or split the document) and try again.")
        % {"image": filesizeformat(settings.ALTAVOZ_MAX_IMAGE_BYTES),
           "pdf": filesizeformat(settings.ALTAVOZ_MAX_PDF_BYTES)},
        code="too_large",
    )


def prepare(upload: UploadedFile) -> Prepared:
    """Check and clean one upload; ValidationError with a person's message if refused."""
    if upload.size is not None and upload.size > largest_allowed():
        raise too_large_error()
    upload.seek(0)
    found = sniff.sniff(upload.read(_HEAD_BYTES))
    limit = (settings.ALTAVOZ_MAX_IMAGE_BYTES if found.kind == sniff.IMAGE
             else settings.ALTAVOZ_MAX_PDF_BYTES)
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _too_large_for(found, limit)
    sniff.check_name(upload.name or "", found)
    sniff.hidden_payload(data, found)
    key = storage.new_key()
    name = clean_display_name(upload.name or "")
    if found.kind == sniff.IMAGE:
        return _prepare_image(data, found, key, name)
    return _prepare_document(data, key, name)


def _too_large_for(found: sniff.Sniffed, limit: int) -> ValidationError:
    if found.kind == sniff.IMAGE:
        message = _("This picture is too large: the limit is %(size)s. Export it at a smaller "
                    "size or lower quality and try again.")
    else:
        message = _("This PDF is too large: the limit is %(size)s. Split it, or export it "
                    "with smaller pictures, and try again.")
    return ValidationError(message % {"size": filesizeformat(limit)}, code="too_large")


def _prepare_image(data: bytes, found: sniff.Sniffed, key: str, name: str) -> Prepared:
    try:
        # The format Pillow finds must be the one the magic bytes announced.
        image = images.decode(data, {found.format}, draft_side=images.RENDITION_WIDTHS[-1],
                              allow_animation=False)
        made = images.renditions(image)
    except ImageProblem as problem:
        raise _image_error(problem.code) from problem
    except (OSError, ValueError, MemoryError) as exc:
        raise _image_error("invalid") from exc
    files: dict[str, bytes] = {}
    by_width: dict[int, dict] = {}
    for rendition in made:
        stored = storage.name_for(key, rendition.extension, rendition.width)
        files[stored] = rendition.data
        entry = by_width.setdefault(
            rendition.width, {"width": rendition.width, "height": rendition.height}
        )
        entry["webp" if rendition.extension == "webp" else "fallback"] = stored
    sizes = [by_width[w] for w in sorted(by_width)]
    widest = sizes[-1]
    return Prepared(
        kind=sniff.IMAGE, key=key, display_name=name, file=widest["fallback"],
        content_type=storage.CONTENT_TYPES[widest["fallback"].rsplit(".", 1)[1]],
        size=len(files[widest["fallback"]]), files=files,
        width=widest["width"], height=widest["height"], renditions=sizes,
    )


def _prepare_document(data: bytes, key: str, name: str) -> Prepared:
    try:
        cleaned = clean_pdf(data)
    except PdfProblem as problem:
        raise _pdf_error(problem.code) from problem
    stored = storage.name_for(key, "pdf")
    return Prepared(
        kind=sniff.DOCUMENT, key=key, display_name=name, file=stored,
        content_type="application/pdf", size=len(cleaned.data),
        files={stored: cleaned.data}, pages=cleaned.pages,
    )


def _image_error(code: str) -> ValidationError:
    if code == "too_many_pixels":
        return ValidationError(
            _("This picture has too many pixels: at most %(megapixels)d million are "
              "accepted. Make it smaller and try again.")
            % {"megapixels": settings.ALTAVOZ_MAX_IMAGE_PIXELS // 1_000_000},
            code="too_many_pixels",
        )
    if code == "animated":
        return ValidationError(
            _("Animated pictures are not accepted. Upload a still picture (JPEG or PNG) "
              "instead."), code="animated")
    return ValidationError(
        _("This picture is damaged or incomplete and cannot be read. Open it on your device "
          "to check it, save a new copy, and upload that."), code="damaged")


def _pdf_error(code: str) -> ValidationError:
    messages = {
        "encrypted": _("This PDF is protected by a password or encryption, so its hidden "
                       "data cannot be removed. Save a copy without protection and upload "
                       "that."),
        "active": _("This PDF contains scripts, attached files or actions that run by "
                    "themselves. Such PDFs are refused rather than changed, because they can "
                    "harm readers. Print it to a new PDF (Print → Save as PDF) and upload "
                    "that."),
        "too_complex": _("This PDF is too complex to check. Print it to a new PDF "
                         "(Print → Save as PDF) and upload that."),
    }
    message = messages.get(code) or _(
        "This PDF is damaged or incomplete and cannot be read. Open it in a PDF reader to "
        "check it, save a new copy, and upload that.")
    return ValidationError(message, code="damaged" if code == "invalid" else code)


def clean_display_name(raw: str) -> str:
    """The last path component, without control or direction-changing characters
    (U+202E can make "gpj.exe" read as "exe.jpg")."""
    name = PurePosixPath(raw.replace("\\", "/")).name
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch if ch == " " or unicodedata.category(ch)[0] not in "CZ" else " "
                   for ch in name)
    return " ".join(name.split())[:_DISPLAY_NAME_CHARS]
