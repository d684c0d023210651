"""Cover images: accept only real photos and drawings, and keep nothing but pixels.

An upload is trusted for nothing: its type is decided by decoding it, not by its
name or the browser's word; it is decoded under Pillow's decompression-bomb
limit; and it is re-encoded from pixels alone, so EXIF (GPS position, camera
serial), XMP and ICC data never reach the server's disk (DESIGN.md, principle 5).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image

from altavoz.attachments import images
from altavoz.attachments.images import ImageProblem

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
# Wide enough for a full-width cover on a large screen; more only costs readers bytes.
MAX_SIDE = 1600


def process_cover(upload: UploadedFile) -> ContentFile:
    """Return a cleaned, re-encoded copy of the upload, or raise ValidationError."""
    limit = settings.ALTAVOZ_MAX_COVER_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(_too_big(limit), code="too_big")
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(_too_big(limit), code="too_big")
    image = _decode(data)
    return _encode(image)


def _too_big(limit: int) -> str:
    return _("The image is too large: the limit is %(size)s.") % {"size": filesizeformat(limit)}


def _decode(data: bytes) -> Image.Image:
    """The shared decoder (altavoz.attachments.images), with the cover's own messages."""
    try:
        return images.decode(data, ACCEPTED_FORMATS, draft_side=MAX_SIDE)
    except ImageProblem as problem:
        if problem.code == "format":
            raise ValidationError(
                _("Use a JPEG, PNG or WebP image (this one is %(format)s).")
                % {"format": problem.found_format or _("unknown")},
                code="format",
            ) from problem
        if problem.code == "too_many_pixels":
            raise ValidationError(
                _("The image has too many pixels. Please upload a smaller picture."),
                code="too_many_pixels",
            ) from problem
        raise ValidationError(
            _("This file is not a JPEG, PNG or WebP image, or it is damaged."), code="invalid"
        ) from problem


def _encode(image: Image.Image) -> ContentFile:
    clean = images.pixels_only(image)
    clean.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # Logos and drawings with transparency stay PNG so they keep it.
    extension = images.fallback_extension(clean)
    # A random name: the uploader's file name may carry their name or device.
    return ContentFile(images.encode(clean, extension),
                       name=f"{secrets.token_hex(12)}.{extension}")
