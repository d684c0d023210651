"""Cover uploads: only real JPEG/PNG/WebP pass, and nothing but pixels is kept."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from altavoz.newsroom.covers import MAX_SIDE, process_cover
from altavoz.newsroom.models import Article

GPS_IFD = 0x8825


def photo_bytes(size=(64, 48), fmt="JPEG", mode="RGB", with_gps=True) -> bytes:
    image = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else (200, 30, 30, 128))
    out = io.BytesIO()
    kwargs = {}
    if with_gps:
        exif = Image.Exif()
        exif[0x010F] = "SpyCam Industries"  # Make
        exif[0x0110] = "Model X-1234"  # Model
        exif.get_ifd(GPS_IFD).update({1: "N", 2: (10.0, 30.0, 15.0), 3: "W", 4: (66.0, 55.0, 1.0)})
        kwargs["exif"] = exif
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def upload(data: bytes, name="foto.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def huge_png_header(width=100_000, height=100_000) -> bytes:
    """A tiny PNG whose header claims ten gigapixels."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def test_source_photo_really_has_gps():
    with Image.open(io.BytesIO(photo_bytes())) as image:
        assert image.getexif().get_ifd(GPS_IFD)


def test_jpeg_loses_all_metadata():
    cleaned = process_cover(upload(photo_bytes()))
    data = cleaned.read()
    assert b"Exif" not in data and b"SpyCam" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert "exif" not in image.info and "icc_profile" not in image.info
    assert cleaned.name.endswith(".jpg") and "foto" not in cleaned.name


def test_webp_becomes_jpeg_and_png_with_alpha_stays_png():
    assert process_cover(upload(photo_bytes(fmt="WEBP", with_gps=False))).name.endswith(".jpg")
    cleaned = process_cover(upload(photo_bytes(fmt="PNG", mode="RGBA", with_gps=False)))
    with Image.open(io.BytesIO(cleaned.read())) as image:
        assert (image.format, image.mode) == ("PNG", "RGBA")


def test_large_photo_is_downscaled():
    cleaned = process_cover(upload(photo_bytes(size=(4000, 1000), with_gps=False)))
    with Image.open(io.BytesIO(cleaned.read())) as image:
        assert image.width == MAX_SIDE


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"just some text, not a picture\n" * 10, "notes.jpg"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "a.svg"),
        (photo_bytes(size=(400, 300))[:600], "truncated.jpg"),
        (b"", "empty.jpg"),
    ],
    ids=["text", "svg", "truncated", "empty"],
)
def test_non_images_are_refused(data, name):
    with pytest.raises(ValidationError):
        process_cover(upload(data, name))


def test_gif_is_refused():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    with pytest.raises(ValidationError, match="GIF"):
        process_cover(upload(out.getvalue(), "a.gif"))


@override_settings(ALTAVOZ_MAX_COVER_BYTES=10_000)
def test_oversize_is_refused():
    noisy = Image.frombytes("RGB", (300, 300), os.urandom(300 * 300 * 3))
    out = io.BytesIO()
    noisy.save(out, "PNG")
    assert len(out.getvalue()) > 10_000
    with pytest.raises(ValidationError, match="demasiado grande"):
        process_cover(upload(out.getvalue(), "big.png"))


def test_decompression_bomb_header_is_refused():
    with pytest.raises(ValidationError, match="demasiados píxeles"):
        process_cover(upload(huge_png_header(), "bomb.png"))


def test_pixel_limit_is_enforced(monkeypatch):
    # Between MAX_IMAGE_PIXELS and twice that Pillow only warns; we refuse too.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 64 * 48 - 100)
    with pytest.raises(ValidationError, match="demasiados píxeles"):
        process_cover(upload(photo_bytes(with_gps=False)))


# --- through the submission form -------------------------------------------------

def post_with_cover(client, section, cover, **extra):
    data = {
        "title": "Con foto", "lede": "Resumen.", "body": "Texto.", "language": "es",
        "section": section.pk, "cover_alt": "Una asamblea", "cover_image": cover,
        "action": "submit", **extra,
    }
    return client.post("/es/write/", data)


def test_upload_through_the_form_stores_clean_file(contributor_client, section):
    response = post_with_cover(contributor_client, section, upload(photo_bytes()))
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.cover.name.startswith("covers/")
    stored = Path(settings.MEDIA_ROOT) / article.cover.name
    data = stored.read_bytes()
    assert b"Exif" not in data and b"SpyCam" not in data and b"Model X" not in data
    with Image.open(stored) as image:
        assert not image.getexif()


@pytest.mark.parametrize(
    "cover",
    [
        lambda: upload(b"hello", "x.jpg"),
        lambda: upload(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "x.svg", "image/svg+xml"),
        lambda: upload(photo_bytes(size=(400, 300))[:600], "cut.jpg"),
        lambda: upload(huge_png_header(), "bomb.png", "image/png"),
    ],
    ids=["text", "svg", "truncated", "bomb"],
)
def test_bad_uploads_are_form_errors(contributor_client, section, cover):
    response = post_with_cover(contributor_client, section, cover())
    assert response.status_code == 400
    assert b"cover_image" in response.content
    assert "JPEG" in response.content.decode() or "pixels" in response.content.decode()
    assert not Article.objects.exists()


@override_settings(ALTAVOZ_MAX_COVER_BYTES=10_000)
def test_oversize_upload_is_a_form_error(contributor_client, section):
    response = post_with_cover(contributor_client, section, upload(b"\xff" * 20_000, "x.jpg"))
    assert response.status_code == 400
    assert "demasiado grande" in response.content.decode()


def test_image_needs_a_description(contributor_client, section):
    response = post_with_cover(contributor_client, section, upload(photo_bytes()), cover_alt="")
    assert response.status_code == 400
    assert "Describe la imagen" in response.content.decode()
    assert not Article.objects.exists()


def test_replacing_and_removing_a_cover_deletes_the_old_file(
        contributor_client, section, django_capture_on_commit_callbacks):
    post_with_cover(contributor_client, section, upload(photo_bytes()), action="draft")
    article = Article.objects.get()
    first = Path(settings.MEDIA_ROOT) / article.cover.name
    assert first.exists()
    data = {"title": "Con foto", "lede": "Resumen.", "body": "Texto.", "language": "es",
            "section": section.pk, "cover_alt": "Otra", "action": "draft"}
    with django_capture_on_commit_callbacks(execute=True):
        response = contributor_client.post(f"/es/write/{article.pk}/", data | {
            "cover_image": upload(photo_bytes(fmt="PNG", with_gps=False), "b.png",
                                  "image/png")})
    assert response.status_code == 302
    article.refresh_from_db()
    second = Path(settings.MEDIA_ROOT) / article.cover.name
    assert second.exists() and second != first
    assert not first.exists()  # deleted once the change is committed
    with django_capture_on_commit_callbacks(execute=True):
        contributor_client.post(f"/es/write/{article.pk}/", data | {"remove_cover": "on"})
    article.refresh_from_db()
    assert not article.cover and article.cover_alt == ""
    assert not second.exists()
