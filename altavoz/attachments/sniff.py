"""What a file is, decided by its bytes: never by its name or the browser's word.

`sniff` reads the magic bytes and either names one of the accepted formats or
refuses with a message that says what the file seems to be and what to do
instead. `hidden_payload` then looks for a second file riding along inside an
accepted one (a polyglot): web page code, an appended archive, or bytes after
the picture's own end. Re-encoding would neutralise most of these anyway; we
refuse them so that nobody is surprised by what was published, and because a
file built to be two things at once is rarely an honest mistake.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

IMAGE = "image"
DOCUMENT = "document"

# Extensions people give each kind; a name from the other kind is a mistake to point out.
IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".gif", ".webp"}
DOCUMENT_EXTENSIONS = {".pdf"}

# Six or more characters, so random compressed bytes practically never match.
_MARKUP = re.compile(
    rb"<(?:script|iframe|object|embed|!doctype|html[\s>/]|body[\s>/]|\?php)|javascript:",
    re.IGNORECASE,
)
# A zip archive announces itself at its end: the end-of-central-directory record.
_ZIP_END = b"PK\x05\x06"
_ZIP_END_SIZE = 22
_ZIP_MAX_COMMENT = 0xFFFF
# Bytes after a picture's end that are only padding, as some encoders leave.
_PADDING = b"\x00\r\n\t "


@dataclass(frozen=True)
class Sniffed:
    kind: str  # IMAGE or DOCUMENT
    format: str  # Pillow's name for images ("JPEG", "PNG", "GIF", "WEBP"), or "PDF"


def sniff(head: bytes) -> Sniffed:
    """The accepted format the first bytes announce, or a ValidationError saying what it is."""
    if not head.strip(_PADDING):
        raise ValidationError(_("The file is empty. Choose the file again; if it still "
                                "fails, open it on your device to check it."), code="empty")
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed(IMAGE, "JPEG")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed(IMAGE, "PNG")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return Sniffed(IMAGE, "GIF")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed(IMAGE, "WEBP")
    if head.startswith(b"%PDF-"):
        return Sniffed(DOCUMENT, "PDF")
    raise _refusal_for(head)


def _refusal_for(head: bytes) -> ValidationError:
    """A message for the files people most often try, saying what would work instead."""
    text = head.lstrip(b"\xef\xbb\xbf" + _PADDING)[:1024].lower()
    if b"<svg" in text or (text.startswith(b"<?xml") and b"svg" in text):
        return ValidationError(_(
            "SVG drawings are not accepted, because they can carry programs that run in "
            "the reader's browser. Export the drawing as PNG and upload that."), code="svg")
    if text.startswith((b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<?xml")):
        return ValidationError(_(
            "This file is a web page, not an image or a PDF. Save the page as PDF "
            "(Print → Save as PDF) and upload that."), code="html")
    if head.startswith((b"MZ", b"\x7fELF", b"#!")) or head[:4] in {
        b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe",
    }:
        return ValidationError(_(
            "This file is a program, not an image or a PDF. Programs are never accepted."),
            code="program")
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return ValidationError(_(
            "This looks like a Word, LibreOffice or zip file. Export the document as PDF "
            "and upload the PDF."), code="office")
    if head[4:8] == b"ftyp":
        return ValidationError(_(
            "This looks like an iPhone (HEIC) photo or a video. Share the photo as JPEG "
            "(or set the camera to “Most compatible”) and upload that; videos are not "
            "accepted."), code="heic")
    return ValidationError(_(
        "This file's type is not accepted. Upload a photo or picture (JPEG, PNG, WebP or "
        "GIF) or a PDF document."), code="unknown")


def check_name(name: str, found: Sniffed) -> None:
    """Refuse a file whose name claims the other kind: a PDF named .jpg is a mix-up.

    Pictures named after another picture format are fine (they are re-encoded).
    """
    extension = PurePath(name or "").suffix.lower()
    if found.kind == DOCUMENT and extension in IMAGE_EXTENSIONS:
        raise ValidationError(_(
            "This file is a PDF document, but its name ends in “%(extension)s”. If you "
            "meant to attach the document, rename it to end in .pdf; if you meant a "
            "picture, choose the picture instead.") % {"extension": extension},
            code="name_mismatch")
    if found.kind == IMAGE and extension in DOCUMENT_EXTENSIONS:
        raise ValidationError(_(
            "This file is a picture, but its name ends in “.pdf”. If you meant to attach "
            "a document, choose the PDF instead; if you meant the picture, rename it to "
            "end in .jpg or .png."), code="name_mismatch")


def hidden_payload(data: bytes, found: Sniffed) -> None:
    """Refuse a file that carries a second one: web code, an archive, or trailing bytes."""
    searched = data if found.kind == IMAGE else data[_pdf_end(data):]
    if _MARKUP.search(searched):
        raise ValidationError(_(
            "This file contains web page code hidden inside it, so it is refused. Open it "
            "in an image viewer or PDF reader, save or export a new copy, and upload "
            "that."), code="polyglot_markup")
    if _has_zip_end(data):
        raise ValidationError(_(
            "This file has an archive (zip) hidden inside it, so it is refused. Save a "
            "new copy from an image viewer or PDF reader and upload that."),
            code="polyglot_archive")
    end = _image_end(data, found.format)
    if end is not None and data[end:].strip(_PADDING):
        raise ValidationError(_(
            "This picture has extra data after its end, which is how files are disguised, "
            "so it is refused. Open it in an image editor, save a new copy, and upload "
            "that."), code="trailing_data")


def _pdf_end(data: bytes) -> int:
    # Incremental updates repeat %%EOF; only what follows the last one is foreign.
    at = data.rfind(b"%%EOF")
    return len(data) if at < 0 else at + 5


def _has_zip_end(data: bytes) -> bool:
    tail_start = max(0, len(data) - _ZIP_END_SIZE - _ZIP_MAX_COMMENT)
    at = data.rfind(_ZIP_END, tail_start)
    if at < 0 or at + _ZIP_END_SIZE > len(data):
        return False
    (comment_length,) = struct.unpack_from("<H", data, at + 20)
    # A real record's comment ends exactly at the end of the file.
    return at + _ZIP_END_SIZE + comment_length == len(data)


def _image_end(data: bytes, fmt: str) -> int | None:
    """Where the picture's own structure ends, for formats where that is simple to
    know; None for JPEG, whose trailers (phone depth maps, motion photos) are common
    and harmless once re-encoded."""
    try:
        if fmt == "PNG":
            return _png_end(data)
        if fmt == "GIF":
            return _gif_end(data)
        if fmt == "WEBP":
            return 8 + struct.unpack_from("<I", data, 4)[0]
    except (struct.error, IndexError):
        return None  # damaged: the decoder will say so with a better message
    return None


def _png_end(data: bytes) -> int | None:
    at = 8
    while at + 12 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, at)
        at += 12 + length
        if kind == b"IEND":
            return at
    return None


def _gif_end(data: bytes) -> int | None:
    flags = data[10]
    at = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    while at < len(data):
        block = data[at]
        if block == 0x3B:  # trailer
            return at + 1
        if block == 0x21:  # extension: label, then sub-blocks
            at = _skip_sub_blocks(data, at + 2)
        elif block == 0x2C:  # image: descriptor, colour table, LZW size, sub-blocks
            flags = data[at + 9]
            at += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
            at = _skip_sub_blocks(data, at + 1)
        else:
            return None
    return None


def _skip_sub_blocks(data: bytes, at: int) -> int:
    while data[at]:
        at += data[at] + 1
    return at + 1
