"""Good files are kept, and kept clean: no EXIF/GPS in pictures, no author in PDFs."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pypdf import PdfReader

from altavoz.attachments import images, storage
from altavoz.attachments.jpeg import strip_jpeg_metadata
from altavoz.attachments.uploads import clean_display_name, prepare
from tests.attachments import corpus
from tests.attachments.conftest import stored_files, upload


def test_source_files_really_carry_metadata():
    with Image.open(io.BytesIO(corpus.photo())) as image:
        assert image.getexif().get_ifd(corpus.GPS_IFD)
    data = corpus.pdf_with_metadata()
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata["/Author"] == corpus.AUTHOR
    assert corpus.XMP_CREATOR.encode() in data and corpus.ANNOTATOR.encode() in data
    assert corpus.CAMERA.encode() in data  # the photo drawn on the page


def test_jpeg_with_gps_is_stored_as_clean_renditions(image_attachment, media):
    files = stored_files(media)
    assert {p.relative_to(media).as_posix() for p in files} == set(
        image_attachment.stored_names()
    )
    widths = [r["width"] for r in image_attachment.renditions]
    assert widths == [480, 960, 1600]
    assert len(files) == 6  # WebP and JPEG at each width
    for path in files:
        data = path.read_bytes()
        assert b"Exif" not in data and corpus.CAMERA.encode() not in data
        with Image.open(path) as stored:
            assert stored.format in {"JPEG", "WEBP"}
            assert not stored.getexif()
            assert "exif" not in stored.info and "icc_profile" not in stored.info
            assert "xmp" not in stored.info
    # Names are random: nothing of the uploader's file name on disk or in addresses.
    assert all("foto" not in name for name in image_attachment.stored_names())
    assert image_attachment.display_name == "foto.jpg"
    assert (image_attachment.width, image_attachment.height) == (1600, 1200)


def test_orientation_is_applied_before_the_tag_is_dropped():
    # Orientation 6: the camera was turned; viewers rotate 90° clockwise to show it.
    prepared = prepare(upload(corpus.photo((200, 100), orientation=6), "turned.jpg"))
    assert (prepared.width, prepared.height) == (100, 200)


@pytest.mark.parametrize(
    ("data", "name", "fallback"),
    [
        (corpus.photo(fmt="PNG", mode="RGBA", gps=False), "logo.png", "png"),
        (corpus.photo(fmt="WEBP"), "foto.webp", "jpg"),
        (corpus.gif(), "cartel.gif", "jpg"),
    ],
    ids=["png-alpha", "webp", "gif"],
)
def test_other_picture_formats(data, name, fallback):
    prepared = prepare(upload(data, name))
    assert prepared.file.endswith(f".{fallback}")
    for stored in prepared.files.values():
        with Image.open(io.BytesIO(stored)) as image:
            assert not image.getexif()
            if fallback == "png":
                assert image.mode == "RGBA"  # transparency kept


def test_small_picture_is_not_enlarged():
    prepared = prepare(upload(corpus.photo((300, 200)), "small.jpg"))
    assert [(r["width"], r["height"]) for r in prepared.renditions] == [(300, 200)]


def test_rendition_sizes():
    assert images.rendition_sizes(4000, 3000) == [(480, 360), (960, 720), (1600, 1200)]
    assert images.rendition_sizes(960, 100) == [(480, 50), (960, 100)]
    # A very tall picture is held to MAX_RENDITION_HEIGHT.
    assert images.rendition_sizes(1000, 20_000)[-1] == (240, 4800)


def test_pixel_limit_is_a_setting(settings):
    settings.ALTAVOZ_MAX_IMAGE_PIXELS = 1_000
    with pytest.raises(Exception) as refused:
        prepare(upload(corpus.photo((64, 48)), "foto.jpg"))
    assert refused.value.code == "too_many_pixels"


def test_pdf_loses_its_metadata(document_attachment, media):
    (path,) = stored_files(media)
    assert path.relative_to(media).as_posix() == document_attachment.file
    data = path.read_bytes()
    # "Juana" is in the author, the XMP creator and the sticky note's author.
    for secret in ("Juana", "SpyWriter", "LeakPDF", "Informe interno", corpus.CAMERA, "Exif"):
        assert secret.encode() not in data, secret
    reader = PdfReader(io.BytesIO(data))
    assert not reader.metadata  # no document information dictionary at all
    assert reader.xmp_metadata is None
    assert "/Metadata" not in reader.trailer["/Root"]
    assert "/ID" not in reader.trailer
    page = reader.pages[0]
    note = page["/Annots"][0].get_object()
    assert "/T" not in note and note["/Contents"] == "Revisar cifras"  # content stays
    picture = page["/Resources"]["/XObject"]["/Im0"].get_object()
    with Image.open(io.BytesIO(picture._data)) as image:
        assert not image.getexif()
        image.load()  # still a picture
    assert document_attachment.pages == 1
    assert document_attachment.size == len(data)
    assert document_attachment.download_name() == "acta-de-la-asamblea.pdf"


def test_jpeg_stripper():
    photo = corpus.photo() + b"trailing motion-photo video"
    stripped = strip_jpeg_metadata(photo)
    assert stripped is not None and b"Exif" not in stripped and stripped.endswith(b"\xff\xd9")
    with Image.open(io.BytesIO(stripped)) as image:
        image.load()
        assert image.size == (64, 48)
    progressive = corpus.photo((120, 90), progressive=True)
    with Image.open(io.BytesIO(strip_jpeg_metadata(progressive))) as image:
        image.load()
    assert strip_jpeg_metadata(corpus.photo()[:300]) is None
    assert strip_jpeg_metadata(b"not a jpeg") is None


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("C:\\Users\\juana\\Desktop\\acta final.pdf", "acta final.pdf"),
        ("../../etc/passwd", "passwd"),
        ("foto\u202egpj.exe", "foto gpj.exe"),
        ("línea\nnueva\x00.jpg", "línea nueva .jpg"),
        ("", ""),
    ],
)
def test_display_name_is_cleaned(raw, clean):
    assert clean_display_name(raw) == clean


def test_stored_names_follow_the_pattern():
    key = storage.new_key()
    for name in (storage.name_for(key, "pdf"), storage.name_for(key, "webp", 480)):
        assert storage.NAME.match(name)
