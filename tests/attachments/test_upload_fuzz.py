"""Mutated files from the corpus: every upload is refused with a person's message or
kept clean (no EXIF/GPS, no document metadata, no active content); nothing else.

test_corpus.py shows each known bad file gets its own refusal; here the corpus's
good and bad files are flipped, cut, spliced and padded, so the sniffing, the
polyglot checks, Pillow and pypdf meet damage nobody wrote by hand. The checks on
what is kept look at the stored bytes themselves (re-opened with Pillow and pypdf),
not at what the cleaning code believes it did. fuzz/uploads.py runs the same check
under atheris.
"""

from __future__ import annotations

import contextlib
import functools
import io
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import translation
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
)

import fuzz
from altavoz.attachments.uploads import prepare
from tests.attachments import corpus
from tests.attachments.conftest import upload
from tests.attachments.test_corpus import MESSAGES

pytestmark = pytest.mark.fuzz

REFUSALS = set(MESSAGES) | {"too_complex"}
# Small enough that a mutated header claiming a big picture is refused before decoding
# (it would only make the test slow: the limit itself is test_corpus's business).
LIMITS = {"ALTAVOZ_MAX_IMAGE_PIXELS": 1_000_000, "ALTAVOZ_MAX_IMAGE_BYTES": 200_000,
          "ALTAVOZ_MAX_PDF_BYTES": 200_000}
NAMES = ["foto.jpg", "dibujo.png", "anim.gif", "foto.webp", "informe.pdf", "sin-nombre"]
# Metadata a picture could carry through Pillow's info, and PDF keys that act or tell.
IMAGE_METADATA = {"exif", "xmp", "icc_profile", "XML:com.adobe.xmp", "comment", "Comment",
                  "photoshop", "iptc", "adobe"}
PDF_ACTIVE_KEYS = {"/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/XFA", "/RichMediaContent"}
PDF_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToR",
                      "/GoToE", "/RichMediaExecute"}
PDF_METADATA_KEYS = {"/Metadata", "/PieceInfo"}
SECRETS = [corpus.CAMERA.encode(), corpus.AUTHOR.encode("utf-16-be"), b"Model X-1234"]


@functools.cache
def seeds() -> list[bytes]:
    """The corpus's good files (each carries metadata to lose) and some of its bad ones."""
    good = [corpus.photo(), corpus.photo(fmt="PNG", mode="RGBA"), corpus.photo(fmt="WEBP"),
            corpus.gif(), corpus.photo((40, 30), orientation=6, progressive=True),
            corpus.pdf_with_metadata(), corpus.plain_pdf()]
    bad = [b.build() for b in corpus.BAD
           if b.id in {"gif_js_polyglot", "pdf_javascript", "pdf_javascript_link",
                       "pdf_embedded_file", "pdf_launch", "png_that_is_html", "bomb_png",
                       "jpeg_appended_zip", "animated_gif"}]
    return good + bad


def check_upload(data: bytes, name: str) -> str:
    """The property: a refusal a person can read, or cleaned files with nothing to tell.
    Returns what happened: the refusal's code, or "kept"."""
    try:
        with translation.override("en"):
            prepared = prepare(upload(data, name))
    except ValidationError as refusal:
        assert refusal.code in REFUSALS, refusal.code
        message = refusal.messages[0]
        assert len(message) > 20 and "%(" not in message, message
        return str(refusal.code)
    assert prepared.files, "accepted, but nothing to store"
    for stored, content in prepared.files.items():
        if stored.endswith(".pdf"):
            check_clean_pdf(content)
        else:
            check_clean_picture(content)
    return "kept"


def check_clean_picture(data: bytes) -> None:
    """Pictures are re-encoded from pixels: not one byte of metadata may be left."""
    for secret in SECRETS:
        assert secret not in data, secret
    assert b"Exif\x00\x00" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format in {"JPEG", "WEBP", "PNG"}
        assert not image.getexif()
        assert not IMAGE_METADATA & set(image.info), set(image.info)
        assert not getattr(image, "text", None)  # PNG tEXt/iTXt/zTXt chunks
        image.load()


def check_clean_pdf(data: bytes) -> None:
    """PDFs are rewritten, not re-made: checked by structure, as a PDF reader sees them,
    and every stream by its bytes (a stream whose filter or type was garbled is no
    picture to a reader, but its bytes would still tell)."""
    reader = PdfReader(io.BytesIO(data), strict=False)
    assert not reader.is_encrypted
    assert "/Info" not in reader.trailer and "/ID" not in reader.trailer
    assert len(reader.pages) >= 1
    for node in _objects(reader):
        if not isinstance(node, DictionaryObject):
            continue
        keys = set(node.keys())
        assert not keys & (PDF_ACTIVE_KEYS | PDF_METADATA_KEYS), keys
        assert node.get("/S") not in PDF_ACTIVE_ACTIONS, node.get("/S")
        assert node.get("/Type") != "/EmbeddedFile"
        if node.get("/S") == "/URI":
            uri = str(node.get("/URI", "")).strip().lower()
            assert uri.startswith(("http:", "https:", "mailto:")), uri
        annotation = node.get("/Type") == "/Annot" or ("/Subtype" in node and "/Rect" in node)
        if annotation and node.get("/Subtype") != "/Widget":
            assert "/T" not in node, "an annotation still names its author"
        if isinstance(node, StreamObject):
            _check_pdf_stream(node)


def _check_pdf_stream(stream: StreamObject) -> None:
    """No stream keeps a JPEG's EXIF: not in its stored bytes, nor inflated, nor with
    its filters undone by pypdf (every filter before DCTDecode: the JPEG itself)."""
    found = [stream._data]
    with contextlib.suppress(zlib.error):
        found.append(zlib.decompress(stream._data))
    with contextlib.suppress(Exception):  # a stream that cannot be decoded shows nothing
        found.append(stream.get_data())
    for data in found:
        assert b"Exif\x00\x00" not in data, "a stream in the PDF kept a picture's EXIF"
        assert corpus.CAMERA.encode() not in data, "a stream in the PDF kept a camera's name"


def _objects(reader: PdfReader) -> list[object]:
    """Every object the file holds, reachable or not (a leak need not be linked), with
    the dictionaries and arrays written inside each: read from the cross-reference
    table, not by following links the way the cleaner does."""
    numbers = [(number, generation) for generation, table in reader.xref.items()
               for number in table]
    numbers += [(number, 0) for number in reader.xref_objStm]
    found: list[object] = []
    for number, generation in numbers:
        try:
            stack = [reader.get_object(IndirectObject(number, generation, reader))]
        except Exception:  # noqa: BLE001 - an entry that does not parse holds nothing
            continue
        while stack:
            node = stack.pop()
            found.append(node)
            if isinstance(node, DictionaryObject):
                stack.extend(v for v in node.values() if not isinstance(v, IndirectObject))
            elif isinstance(node, ArrayObject):
                stack.extend(v for v in node if not isinstance(v, IndirectObject))
    return found


def mutate(data: bytes, edits: list[tuple[str, int, bytes]]) -> bytes:
    """Apply edits: flip (xor a byte), insert, delete, cut (truncate), splice (another seed)."""
    out = bytearray(data)
    for kind, at, extra in edits:
        at = at % (len(out) + 1)
        if kind == "flip" and at < len(out):
            out[at] ^= extra[0] if extra else 0xFF
        elif kind == "insert":
            out[at:at] = extra
        elif kind == "delete":
            del out[at:at + max(1, len(extra))]
        elif kind == "cut":
            del out[at:]
        elif kind == "splice":
            other = seeds()[len(extra) % len(seeds())]
            out[at:] = other[at % (len(other) + 1):]
    return bytes(out)


EDITS = st.lists(st.tuples(
    st.sampled_from(["flip", "flip", "flip", "insert", "delete", "cut", "splice"]),
    st.integers(0, 1 << 20),
    st.binary(min_size=1, max_size=8) | st.sampled_from(
        [b"\xff", b"\x00", b"\xff\xff\xff\x7f", b"%%EOF", b"/JavaScript", b"\xff\xd9"])),
    min_size=1, max_size=4)


@override_settings(**LIMITS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(seeds()), edits=EDITS,
       name=st.one_of(st.none(), st.none(), st.none(), st.sampled_from(NAMES)))
def test_mutated_files_are_refused_or_kept_clean(seed: bytes, edits, name: str | None) -> None:
    data = mutate(seed, edits)
    kind = "pdf" if b"%PDF" in data[:1024] else "picture"
    name = name or ("informe.pdf" if kind == "pdf" else "foto.jpg")  # mostly the right kind
    event(f"{kind}: {check_upload(data, name)}")


@override_settings(**LIMITS)
def test_the_seeds_are_each_refused_or_cleaned() -> None:
    for data in seeds():
        for name in ("foto.jpg", "informe.pdf"):
            check_upload(data, name)


@pytest.mark.parametrize("path", fuzz.corpus("uploads"), ids=lambda path: path.name)
def test_the_fuzzing_corpus_still_passes(path: Path) -> None:
    """fuzz/corpus/uploads: the atheris target's seeds and saved reproducers."""
    from fuzz.uploads import one_input

    one_input(path.read_bytes())


def test_the_checks_catch_what_they_must() -> None:
    """Each check fails on what it guards against: the corpus's raw files, uncleaned."""
    for check, raw in ((check_clean_picture, corpus.photo()),
                       (check_clean_pdf, corpus.pdf_with_metadata()),
                       (check_clean_pdf, corpus.pdf_with_javascript())):
        try:
            check(raw)
        except AssertionError:
            continue
        raise AssertionError(f"{check.__name__} passed an uncleaned file")


def _photo_with_damaged_exif() -> bytes:
    """Found by this fuzzing: a WebP photo whose EXIF block does not start like a TIFF
    file ("LM" for "MM") decoded fine, then Pillow raised SyntaxError while the
    orientation was read (images.pixels_only), outside every handler: a crash."""
    data = corpus.photo(fmt="WEBP")
    assert data.count(b"MM\x00*") == 1
    return data.replace(b"MM\x00*", b"LM\x00*")


def test_a_photo_with_damaged_exif_is_refused_not_a_crash() -> None:
    assert check_upload(_photo_with_damaged_exif(), "foto.webp") == "damaged"


def test_a_cover_with_damaged_exif_is_refused_not_a_crash() -> None:
    from altavoz.newsroom.covers import process_cover

    with pytest.raises(ValidationError) as refused:
        process_cover(upload(_photo_with_damaged_exif(), "portada.webp"))
    assert refused.value.code == "invalid"


def _pdf_with_deflated_photo() -> bytes:
    """A PDF whose page shows a phone photo stored as [/FlateDecode /DCTDecode]: a JPEG,
    EXIF and GPS included, deflated once more (as some scanners and PDF tools write)."""
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    image = StreamObject()
    image._data = zlib.compress(corpus.photo())
    image.update({
        NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Image"),
        NameObject("/Width"): NumberObject(64), NameObject("/Height"): NumberObject(48),
        NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
        NameObject("/BitsPerComponent"): NumberObject(8),
        NameObject("/Filter"): ArrayObject([NameObject("/FlateDecode"),
                                            NameObject("/DCTDecode")]),
    })
    content = DecodedStreamObject()
    content.set_data(b"q 64 0 0 48 10 10 cm /Im0 Do Q")
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): DictionaryObject(
        {NameObject("/Im0"): writer._add_object(image)})})
    page[NameObject("/Contents")] = writer._add_object(content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pdf_with_abbreviated_filter() -> bytes:
    """The same photo under /Filter /DCT: the abbreviation the spec allows only in
    inline images, which PDF readers accept in image streams too."""
    data = corpus.pdf_with_metadata()
    assert b"/Filter /DCTDecode" in data
    return data.replace(b"/Filter /DCTDecode", b"/Filter /DCT")


def _stream_bytes(pdf: bytes) -> list[bytes]:
    """Every stream's stored bytes, and inflated too where that works."""
    found = []
    for node in _objects(PdfReader(io.BytesIO(pdf), strict=False)):
        if isinstance(node, StreamObject):
            found.append(node._data)
            with contextlib.suppress(zlib.error):
                found.append(zlib.decompress(node._data))
    return found


@pytest.mark.parametrize("build", [_pdf_with_deflated_photo, _pdf_with_abbreviated_filter],
                         ids=["flate_then_dct", "abbreviated_dct"])
def test_a_photo_inside_a_pdf_loses_its_exif_whatever_its_filter(build) -> None:
    with translation.override("en"):
        prepared = prepare(upload(build(), "informe.pdf"))
    (cleaned,) = prepared.files.values()
    for data in _stream_bytes(cleaned):
        assert corpus.CAMERA.encode() not in data  # was there: only /DCTDecode was stripped
