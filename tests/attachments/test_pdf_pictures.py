"""Photos inside PDFs lose their EXIF whatever filters they are stored under, or the
file is refused: a filter no reader knows never keeps a picture's metadata silently."""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import zlib
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NullObject,
    NumberObject,
    PdfObject,
    StreamObject,
)

from altavoz.attachments import pdf
from altavoz.attachments.uploads import prepare
from tests.attachments import corpus
from tests.attachments.conftest import upload

SECRETS = [corpus.CAMERA.encode(), b"Model X-1234", b"Exif\x00\x00"]


def _names(*names: str) -> PdfObject:
    if len(names) == 1:
        return NameObject(names[0])
    return ArrayObject([NameObject(name) for name in names])


def _ascii85(data: bytes) -> bytes:
    return base64.a85encode(data, adobe=True)[2:]  # the PDF form: no "<~", ends with "~>"


def _pdf(filters: PdfObject | None, data: bytes, *, subtype: str = "/Image",
         parms: PdfObject | None = None, indirect_filter: bool = False,
         pages: int = 1) -> bytes:
    """Pages that each draw a picture stream of their own, stored as given."""
    writer = PdfWriter()
    for _ in range(pages):
        _add_picture(writer, filters, data, subtype, parms, indirect_filter)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _add_picture(writer: PdfWriter, filters: PdfObject | None, data: bytes, subtype: str,
                 parms: PdfObject | None, indirect_filter: bool) -> None:
    page = writer.add_blank_page(200, 200)
    image = StreamObject()
    image._data = data
    image.update({
        NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject(subtype),
        NameObject("/Width"): NumberObject(64), NameObject("/Height"): NumberObject(48),
        NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
        NameObject("/BitsPerComponent"): NumberObject(8),
    })
    if filters is not None:
        image[NameObject("/Filter")] = writer._add_object(filters) if indirect_filter else filters
    if parms is not None:
        image[NameObject("/DecodeParms")] = parms
    content = DecodedStreamObject()
    content.set_data(b"q 64 0 0 48 10 10 cm /Im0 Do Q")
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): DictionaryObject(
        {NameObject("/Im0"): writer._add_object(image)})})
    page[NameObject("/Contents")] = writer._add_object(content)


def _clean(data: bytes) -> bytes:
    with translation.override("en"):
        prepared = prepare(upload(data, "informe.pdf"))
    (cleaned,) = prepared.files.values()
    return cleaned


def _refusal(data: bytes) -> str:
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        prepare(upload(data, "informe.pdf"))
    return str(refused.value.code)


def _picture(cleaned: bytes) -> StreamObject:
    page = PdfReader(io.BytesIO(cleaned)).pages[0]
    return page["/Resources"]["/XObject"]["/Im0"].get_object()


def _assert_no_secrets(cleaned: bytes) -> None:
    """Not in the file, nor in any stream once inflated."""
    reader = PdfReader(io.BytesIO(cleaned))
    blobs = [cleaned]
    for number in range(1, len(reader.xref_objStm) + sum(map(len, reader.xref.values())) + 1):
        try:
            node = reader.get_object(number)
        except Exception:  # noqa: BLE001 - a number not in use
            continue
        if isinstance(node, StreamObject):
            blobs.append(node._data)
            with contextlib.suppress(zlib.error):
                blobs.append(zlib.decompress(node._data))
    for blob in blobs:
        for secret in SECRETS:
            assert secret not in blob, secret


PHOTO = corpus.photo()
# Ways writers store a JPEG: each must come out as the same picture, EXIF gone.
STORED: dict[str, Callable[[], bytes]] = {
    "DCTDecode": lambda: _pdf(_names("/DCTDecode"), PHOTO),
    "DCT": lambda: _pdf(_names("/DCT"), PHOTO),
    "[DCT]": lambda: _pdf(ArrayObject([NameObject("/DCT")]), PHOTO),
    "[FlateDecode DCTDecode]": lambda: _pdf(_names("/FlateDecode", "/DCTDecode"),
                                            zlib.compress(PHOTO)),
    "[Fl DCT]": lambda: _pdf(_names("/Fl", "/DCT"), zlib.compress(PHOTO)),
    "[AHx DCT]": lambda: _pdf(_names("/AHx", "/DCT"), binascii.hexlify(PHOTO) + b">"),
    "[A85 Fl DCTDecode]": lambda: _pdf(_names("/A85", "/Fl", "/DCTDecode"),
                                       _ascii85(zlib.compress(PHOTO))),
    "indirect [FlateDecode DCTDecode]": lambda: _pdf(
        _names("/FlateDecode", "/DCTDecode"), zlib.compress(PHOTO), indirect_filter=True),
    "with parameters": lambda: _pdf(
        _names("/FlateDecode", "/DCTDecode"), zlib.compress(PHOTO),
        parms=ArrayObject([NullObject(), DictionaryObject(
            {NameObject("/ColorTransform"): NumberObject(1)})])),
    # No reader shows these as the photo, but the bytes are there to be read.
    "type garbled": lambda: _pdf(_names("/DCTDecode"), PHOTO, subtype="/Imagf"),
    "filter key lost": lambda: _pdf(None, PHOTO),
}


@pytest.mark.parametrize("build", STORED.values(), ids=STORED.keys())
def test_a_photo_loses_its_exif_however_it_is_stored(build: Callable[[], bytes]) -> None:
    cleaned = _clean(build())
    _assert_no_secrets(cleaned)
    picture = _picture(cleaned)
    # The JPEG itself, under the filter readers expect (or bare, as it came).
    assert picture.get("/Filter") in ("/DCTDecode", None)
    with Image.open(io.BytesIO(picture._data)) as image:
        assert image.format == "JPEG" and not image.getexif()
        assert image.size == (64, 48)
        image.load()


def test_the_jpeg_parameters_are_kept() -> None:
    picture = _picture(_clean(STORED["with parameters"]()))
    assert picture["/DecodeParms"] == {"/ColorTransform": 1}


# Filters no reader knows, or chains a JPEG cannot be under: refused, not kept as they are.
REFUSED: dict[str, Callable[[], bytes]] = {
    "garbled name": lambda: _pdf(_names("/DCTDecodf"), PHOTO),
    "unknown name": lambda: _pdf(_names("/SpyDecode"), PHOTO),
    "garbled name in an array": lambda: _pdf(_names("/FlateDecode", "/DCTDecode "),
                                             zlib.compress(PHOTO)),
    "unknown name before DCT": lambda: _pdf(_names("/Bogus", "/DCTDecode"), PHOTO),
    "not a name": lambda: _pdf(NumberObject(3), PHOTO),
    "DCT not last": lambda: _pdf(_names("/DCTDecode", "/FlateDecode"), zlib.compress(PHOTO)),
    "pixels before DCT": lambda: _pdf(_names("/CCITTFaxDecode", "/DCTDecode"), PHOTO),
    "broken deflate": lambda: _pdf(_names("/FlateDecode", "/DCTDecode"),
                                   zlib.compress(PHOTO)[:-40] + b"\x00" * 40),
    "not a JPEG under the filters": lambda: _pdf(_names("/FlateDecode", "/DCTDecode"),
                                                 zlib.compress(b"\x00" * 5000)),
    "a predictor before DCT": lambda: _pdf(
        _names("/FlateDecode", "/DCTDecode"), zlib.compress(PHOTO),
        parms=ArrayObject([DictionaryObject({NameObject("/Predictor"): NumberObject(12)}),
                           NullObject()])),
}


@pytest.mark.parametrize("build", REFUSED.values(), ids=REFUSED.keys())
def test_a_picture_that_cannot_be_cleaned_is_refused(build: Callable[[], bytes]) -> None:
    assert _refusal(build()) == "damaged"


def test_an_unknown_filter_on_any_stream_is_refused() -> None:
    """A stream whose filter no reader knows could be anything, a picture too."""
    data = _pdf(_names("/DCTDecode"), PHOTO, subtype="/Form")
    assert b"/Filter /DCTDecode" in data
    assert _refusal(data.replace(b"/Filter /DCTDecode", b"/Filter /XYZDecode")) == "damaged"


def test_a_deflate_bomb_under_a_jpeg_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "MAX_DECODED_BYTES", 100_000)
    bomb = zlib.compress(PHOTO + b"\x00" * 200_000)
    assert _refusal(_pdf(_names("/FlateDecode", "/DCTDecode"), bomb)) == "too_complex"


def test_the_decoding_budget_is_for_the_whole_document(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "MAX_DECODED_BYTES", len(PHOTO) * 3 // 2)
    deflated = zlib.compress(PHOTO)
    _clean(_pdf(_names("/FlateDecode", "/DCTDecode"), deflated))  # one picture: within it
    two = _pdf(_names("/FlateDecode", "/DCTDecode"), deflated, pages=2)
    assert _refusal(two) == "too_complex"
