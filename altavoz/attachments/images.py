"""Decoding untrusted pictures safely, and re-encoding them from pixels alone.

Shared by article attachments and cover images. Decoding happens under two pixel
limits: ALTAVOZ_MAX_IMAGE_PIXELS checked against the header before any pixel is
decoded, and Pillow's own Image.MAX_IMAGE_PIXELS (set from the same setting when
the app starts) with its DecompressionBombWarning turned into an error. Encoding
starts from a fresh image holding pixels only, so EXIF (GPS position, camera
serial), XMP, IPTC and ICC data never reach the server's disk.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageOps

JPEG_QUALITY = 82
WEBP_QUALITY = 80
# Widths offered to browsers through srcset: a phone, a laptop column, a large
# screen at 2x. Wider only costs readers bytes.
RENDITION_WIDTHS = (480, 960, 1600)
# Keep a very tall picture (an infographic, a long scan) from turning into tens
# of megapixels at full width.
MAX_RENDITION_HEIGHT = 4800


class ImageProblem(Exception):
    """Why a picture was refused; callers turn `code` into their own message.

    code: "format" (Pillow read another format than allowed), "too_many_pixels",
    "animated", "invalid" (damaged, or not a picture at all).
    """

    def __init__(self, code: str, found_format: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.found_format = found_format


@dataclass(frozen=True)
class Rendition:
    width: int
    height: int
    data: bytes
    extension: str  # "webp", "jpg" or "png"


def decode(data: bytes, formats: Iterable[str], *, draft_side: int | None = None,
           allow_animation: bool = True) -> Image.Image:
    """Fully decode `data` if it is a still picture in one of `formats`, else ImageProblem."""
    formats = set(formats)
    with warnings.catch_warnings():
        # Pillow only *warns* between MAX_IMAGE_PIXELS and twice that; refuse there too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data))
            if probe.format not in formats:
                raise ImageProblem("format", probe.format)
            if probe.width * probe.height > settings.ALTAVOZ_MAX_IMAGE_PIXELS:
                raise ImageProblem("too_many_pixels")
            if not allow_animation and getattr(probe, "is_animated", False):
                raise ImageProblem("animated")
            probe.verify()
            # verify() leaves the image unusable; decode again for real.
            image = Image.open(io.BytesIO(data))
            if image.format == "JPEG" and draft_side:
                # Let libjpeg decode at a reduced scale: far less memory for huge photos.
                image.draft("RGB", (draft_side, draft_side))
            image.load()
            image.getexif()  # read now, so that a damaged EXIF block is a damaged file
        except ImageProblem:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageProblem("too_many_pixels") from exc
        # Pillow reports damaged files through many exception types (OSError,
        # SyntaxError, struct.error, ValueError…); all mean "not a usable image".
        except Exception as exc:  # noqa: BLE001
            raise ImageProblem("invalid") from exc
    return image


def has_alpha(image: Image.Image) -> bool:
    return image.mode in {"RGBA", "LA", "PA"} or (
        image.mode == "P" and "transparency" in image.info
    )


def pixels_only(image: Image.Image) -> Image.Image:
    """Upright RGB or RGBA pixels with no metadata attached at all."""
    # Phones often store photos sideways with an orientation tag; apply it now,
    # since the tag itself is about to be dropped.
    image = ImageOps.exif_transpose(image)
    image = image.convert("RGBA" if has_alpha(image) else "RGB")
    # A fresh image holds pixels only: no info dict, no EXIF, no ICC, no XMP.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    return clean


def encode(image: Image.Image, extension: str) -> bytes:
    out = io.BytesIO()
    if extension == "jpg":
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    elif extension == "webp":
        image.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def fallback_extension(image: Image.Image) -> str:
    """JPEG for photos; PNG for pictures with transparency (logos, drawings)."""
    return "png" if image.mode == "RGBA" else "jpg"


def rendition_sizes(width: int, height: int) -> list[tuple[int, int]]:
    """The (width, height) of each rendition: the standard widths below the
    original's, then the original width itself up to the largest standard one."""
    widest = min(width, RENDITION_WIDTHS[-1])
    widths = sorted({w for w in RENDITION_WIDTHS if w < widest} | {widest})
    sizes = []
    for w in widths:
        h = max(1, round(height * w / width))
        if h > MAX_RENDITION_HEIGHT:
            w, h = max(1, round(w * MAX_RENDITION_HEIGHT / h)), MAX_RENDITION_HEIGHT
        if (w, h) not in sizes:
            sizes.append((w, h))
    return sizes


def renditions(image: Image.Image) -> list[Rendition]:
    """WebP for today's browsers plus JPEG/PNG for old phones, at each width."""
    clean = pixels_only(image)
    fallback = fallback_extension(clean)
    made = []
    for width, height in rendition_sizes(*clean.size):
        scaled = clean if (width, height) == clean.size else clean.resize(
            (width, height), Image.Resampling.LANCZOS
        )
        for extension in ("webp", fallback):
            made.append(Rendition(width, height, encode(scaled, extension), extension))
    return made
