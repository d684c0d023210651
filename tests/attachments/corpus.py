"""Good and bad files for upload tests, built at test time with Pillow and pypdf.

No binary blobs in the repository: every file here is made from a few lines of
code, so a reader can see exactly what each one is and why it must be refused.
Each bad file names the ValidationError code it must get (uploads.py, sniff.py).
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, PngImagePlugin
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.annotations import Link
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

GPS_IFD = 0x8825
AUTHOR = "Juana Pérez Informante"
XMP_CREATOR = "XmpCreatorJuana"
CAMERA = "SpyCam Industries"
ANNOTATOR = "AnnotatorJuana"


# --- pictures --------------------------------------------------------------------

def photo(size: tuple[int, int] = (64, 48), fmt: str = "JPEG", mode: str = "RGB",
          gps: bool = True, orientation: int | None = None, **save) -> bytes:
    """A picture with a gradient (so it compresses like a photo, not like a flat colour)."""
    width, height = size
    gradient = Image.linear_gradient("L").resize(size)
    channels = [gradient, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
                Image.new("L", size, 90)]
    image = Image.merge("RGB", channels)
    if mode == "RGBA":
        image.putalpha(Image.new("L", size, 128))
    exif = Image.Exif()
    if gps:
        exif[0x010F] = CAMERA  # Make
        exif[0x0110] = "Model X-1234"  # Model
        exif.get_ifd(GPS_IFD).update({1: "N", 2: (10.0, 30.0, 15.0), 3: "W",
                                      4: (66.0, 55.0, 1.0)})
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    if len(exif):
        save["exif"] = exif
    image.save(out, fmt, **save)
    return out.getvalue()


def gif(frames: int = 1, size: tuple[int, int] = (10, 10)) -> bytes:
    images = [Image.new("RGB", size, (i * 60, 90, 200 - i * 60)) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=frames > 1, append_images=images[1:], duration=100,
                   loop=0)
    return out.getvalue()


def noise_png(side: int) -> bytes:
    """Random pixels: PNG cannot compress them, so the file is about 3 × side² bytes."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "PNG")
    return out.getvalue()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header claims ten gigapixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + _png_chunk(b"IEND", b""))


def jpeg_bomb() -> bytes:
    """A small JPEG whose frame header is patched to claim 60000 × 60000 pixels."""
    data = bytearray(photo(gps=False))
    at = data.index(b"\xff\xc0")  # baseline frame header: length, precision, height, width
    struct.pack_into(">HH", data, at + 5, 60_000, 60_000)
    return bytes(data)


def gif_bomb() -> bytes:
    data = bytearray(gif())
    struct.pack_into("<HH", data, 6, 65_535, 65_535)  # logical screen size
    return bytes(data)


def gif_js_polyglot() -> bytes:
    """GIF89a/*…*/=1;alert(1): a valid GIF whose bytes are also valid JavaScript."""
    data = bytearray(gif())
    data[6:8] = b"/*"  # the width becomes the start of a JS comment
    return bytes(data) + b"*/=1;alert(document.domain);//"


def png_that_is_html() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<html><body><script>alert(document.cookie)</script></body></html>")
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def small_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hidden cargo")
    return out.getvalue()


def docx_like() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


# --- PDFs --------------------------------------------------------------------------

def _writer_with_page() -> tuple[PdfWriter, DictionaryObject]:
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    return writer, page


def _pdf_bytes(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _add_photo(writer: PdfWriter, page: DictionaryObject) -> None:
    """Draw a JPEG that still carries its EXIF (and GPS) on the page, as scan apps do."""
    image = StreamObject()
    image._data = photo()
    image.update({
        NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Image"),
        NameObject("/Width"): NumberObject(64), NameObject("/Height"): NumberObject(48),
        NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
        NameObject("/BitsPerComponent"): NumberObject(8),
        NameObject("/Filter"): NameObject("/DCTDecode"),
    })
    content = DecodedStreamObject()
    content.set_data(b"q 64 0 0 48 10 10 cm /Im0 Do Q")
    page[NameObject("/Resources")] = DictionaryObject({
        NameObject("/XObject"): DictionaryObject({NameObject("/Im0"): writer._add_object(image)})
    })
    page[NameObject("/Contents")] = writer._add_object(content)


def _add_note(writer: PdfWriter, page: DictionaryObject) -> None:
    """A sticky note: its /T is the reviewer's user name."""
    note = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Text"),
        NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (10, 150, 30, 170)]),
        NameObject("/Contents"): TextStringObject("Revisar cifras"),
        NameObject("/T"): TextStringObject(ANNOTATOR),
    })
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(note)])


def pdf_with_metadata() -> bytes:
    """A good document that says too much about who made it."""
    writer, page = _writer_with_page()
    _add_photo(writer, page)
    _add_note(writer, page)
    writer.add_metadata({
        "/Author": AUTHOR, "/Creator": "SpyWriter 2.0", "/Producer": "LeakPDF 1.0",
        "/Title": "Informe interno del sindicato",
    })
    writer.xmp_metadata = (
        '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:creator>{XMP_CREATOR}</dc:creator></rdf:Description></rdf:RDF>"
        '</x:xmpmeta><?xpacket end="w"?>'
    ).encode()
    return _pdf_bytes(writer)


def plain_pdf() -> bytes:
    writer, _page = _writer_with_page()
    return _pdf_bytes(writer)


def pdf_with_javascript() -> bytes:
    writer, _page = _writer_with_page()
    writer.add_open_action(JavaScript("app.alert('pwned');"))
    return _pdf_bytes(writer)


def pdf_with_launch() -> bytes:
    writer, _page = _writer_with_page()
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe"),
    })
    return _pdf_bytes(writer)


def pdf_with_javascript_link() -> bytes:
    writer, _page = _writer_with_page()
    writer.add_annotation(0, Link(rect=(10, 10, 90, 30), url="javascript:alert(1)"))
    return _pdf_bytes(writer)


def pdf_with_embedded_file() -> bytes:
    writer, _page = _writer_with_page()
    writer.add_attachment("payload.exe", b"MZ not really a program")
    return _pdf_bytes(writer)


def encrypted_pdf() -> bytes:
    writer, _page = _writer_with_page()
    writer.encrypt("secret", algorithm="RC4-128")
    return _pdf_bytes(writer)


def truncated_pdf() -> bytes:
    data = pdf_with_metadata()
    return data[: len(data) // 3]


# --- the corpus -----------------------------------------------------------------------

@dataclass(frozen=True)
class Bad:
    id: str
    name: str
    build: Callable[[], bytes]
    code: str
    content_type: str = "application/octet-stream"


HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG_SCRIPT = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
              b"<script>alert(1)</script></svg>")
SVG_PLAIN = b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="9" height="9"/></svg>'
EXE = b"MZ\x90\x00\x03" + b"\x00" * 59 + b"This program cannot be run in DOS mode.\r\n"

# Oversize files are relative to the limits the tests set (OVERSIZE_LIMIT).
OVERSIZE_LIMIT = 100_000

BAD: list[Bad] = [
    Bad("truncated_jpeg", "foto.jpg", lambda: photo((400, 300))[:900], "damaged", "image/jpeg"),
    Bad("truncated_png", "dibujo.png", lambda: photo((300, 200), "PNG", gps=False)[:500],
        "damaged", "image/png"),
    Bad("gif_js_polyglot", "anim.gif", gif_js_polyglot, "trailing_data", "image/gif"),
    Bad("jpeg_appended_html", "foto.jpg", lambda: photo() + HTML_PAGE, "polyglot_markup",
        "image/jpeg"),
    Bad("jpeg_appended_zip", "foto.jpg", lambda: photo() + small_zip(), "polyglot_archive",
        "image/jpeg"),
    Bad("png_that_is_html", "logo.png", png_that_is_html, "polyglot_markup", "image/png"),
    Bad("webp_trailing_bytes", "foto.webp", lambda: photo(fmt="WEBP", gps=False) + b"\x01junk",
        "trailing_data", "image/webp"),
    Bad("pdf_appended_html", "informe.pdf", lambda: plain_pdf() + HTML_PAGE, "polyglot_markup",
        "application/pdf"),
    Bad("pdf_javascript", "informe.pdf", pdf_with_javascript, "active", "application/pdf"),
    Bad("pdf_launch", "informe.pdf", pdf_with_launch, "active", "application/pdf"),
    Bad("pdf_javascript_link", "informe.pdf", pdf_with_javascript_link, "active",
        "application/pdf"),
    Bad("pdf_embedded_file", "informe.pdf", pdf_with_embedded_file, "active", "application/pdf"),
    Bad("pdf_encrypted", "informe.pdf", encrypted_pdf, "encrypted", "application/pdf"),
    Bad("pdf_truncated", "informe.pdf", truncated_pdf, "damaged", "application/pdf"),
    Bad("bomb_png", "bomb.png", png_bomb, "too_many_pixels", "image/png"),
    Bad("bomb_jpeg", "bomb.jpg", jpeg_bomb, "too_many_pixels", "image/jpeg"),
    Bad("bomb_gif", "bomb.gif", gif_bomb, "too_many_pixels", "image/gif"),
    Bad("pdf_named_jpg", "foto.jpg", plain_pdf, "name_mismatch", "image/jpeg"),
    Bad("jpeg_named_pdf", "informe.pdf", lambda: photo(gps=False), "name_mismatch",
        "application/pdf"),
    Bad("html_named_pdf", "informe.pdf", lambda: HTML_PAGE, "html", "application/pdf"),
    Bad("exe_named_png", "logo.png", lambda: EXE, "program", "image/png"),
    Bad("docx_named_pdf", "acta.pdf", docx_like, "office", "application/pdf"),
    Bad("heic_photo", "IMG_0001.jpg", lambda: b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64,
        "heic", "image/jpeg"),
    Bad("svg_with_script", "dibujo.svg", lambda: SVG_SCRIPT, "svg", "image/svg+xml"),
    Bad("svg_plain", "dibujo.svg", lambda: SVG_PLAIN, "svg", "image/svg+xml"),
    Bad("svg_named_png", "dibujo.png", lambda: SVG_PLAIN, "svg", "image/png"),
    Bad("zero_bytes", "vacio.jpg", lambda: b"", "empty", "image/jpeg"),
    Bad("blank", "vacio.pdf", lambda: b"\n\n   \n", "empty", "application/pdf"),
    Bad("text_named_jpg", "notas.jpg", lambda: b"just some notes, not a picture\n" * 20,
        "unknown", "image/jpeg"),
    Bad("animated_gif", "anim.gif", lambda: gif(frames=3), "animated", "image/gif"),
    Bad("oversize_image", "grande.png", lambda: noise_png(200), "too_large", "image/png"),
    Bad("oversize_pdf", "grande.pdf", lambda: plain_pdf() + b"%" + b"x" * OVERSIZE_LIMIT,
        "too_large", "application/pdf"),
]
