"""Cover images: accept only real photos and drawings, and keep nothing but pixels.

An upload is trusted for nothing: its type is decided by decoding it, not by its
name or the browser's word; it is decoded under Pillow's decompression-bomb
limit; and it is re-encoded from pixels alone, so EXIF (GPS position, camera
serial), XMP and ICC data never reach the server's disk (DESIGN.md, principle 5).
"""

from __future__ import annotations

import io
import secrets
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
# Wide enough for a full-width cover on a large screen; more only costs readers bytes.
MAX_SIDE = 1600
JPEG_QUALITY = 82


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
    unreadable = ValidationError(
        _("This file is not a JPEG, PNG or WebP image, or it is damaged."), code="invalid"
    )
    bomb = ValidationError(
        _("The image has too many pixels. Please upload a smaller picture."), code="too_many_pixels"
    )
    with warnings.catch_warnings():
        # Pillow only *warns* between MAX_IMAGE_PIXELS and twice that; refuse there too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data))
            if probe.format not in ACCEPTED_FORMATS:
                raise ValidationError(
                    _("Use a JPEG, PNG or WebP image (this one is %(format)s).")
                    % {"format": probe.format or _("unknown")},
                    code="format",
                )
            probe.verify()
            # verify() leaves the image unusable; decode again for real.
            image = Image.open(io.BytesIO(data))
            if image.format == "JPEG":
                # Let libjpeg decode at a reduced scale: far less memory for huge photos.
                image.draft("RGB", (MAX_SIDE, MAX_SIDE))
            image.load()
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise bomb from exc
        # Pillow reports damaged files through many exception types (OSError,
        # SyntaxError, struct.error, ValueError…); all mean "not a usable image".
        except Exception as exc:  # noqa: BLE001
            raise unreadable from exc
    return image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in {"RGBA", "LA", "PA"} or (
        image.mode == "P" and "transparency" in image.info
    )


def _encode(image: Image.Image) -> ContentFile:
    # Photos from phones are often stored sideways with an orientation tag; apply
    # it now, since the tag itself is about to be dropped.
    image = ImageOps.exif_transpose(image)
    keep_alpha = _has_alpha(image)
    image = image.convert("RGBA" if keep_alpha else "RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # A fresh image holds pixels only: no info dict, no EXIF, no ICC, no XMP.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    out = io.BytesIO()
    if keep_alpha:
        # Logos and drawings with transparency stay PNG so they keep it.
        clean.save(out, "PNG", optimize=True)
        extension = "png"
    else:
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        extension = "jpg"
    # A random name: the uploader's file name may carry their name or device.
    return ContentFile(out.getvalue(), name=f"{secrets.token_hex(12)}.{extension}")
