"""Removing metadata segments from JPEG bytes without decoding the picture.

Used for the pictures inside PDF documents, which are copied as they are (decoding
and re-encoding every scanned page would be slow and lossy). Standalone photo
uploads are re-encoded from pixels instead (images.py).
"""

from __future__ import annotations

_SOI, _EOI, _SOS = 0xD8, 0xD9, 0xDA
# Kept: APP0 (JFIF) and APP14 (Adobe: needed to decode CMYK colours right).
# Dropped: APP1 (EXIF, XMP), APP2 (ICC, FlashPix), APP13 (IPTC: names, places),
# the other APPn segments that cameras and editors fill, and comments.
_KEEP_APP = {0xE0, 0xEE}
_COMMENT = 0xFE
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM and RSTn carry no length


def strip_jpeg_metadata(data: bytes) -> bytes | None:
    """The same JPEG without metadata segments and without anything after its end,
    or None if its structure cannot be followed (then it is not safe to keep)."""
    if not data.startswith(b"\xff\xd8"):
        return None
    out = [b"\xff\xd8"]
    at, size = 2, len(data)
    while at < size:
        if data[at] != 0xFF:
            return None
        marker = data[at + 1] if at + 1 < size else None
        if marker is None:
            return None
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker == _EOI:
            out.append(b"\xff\xd9")
            return b"".join(out)  # trailers after the end (thumbnails, videos) are dropped
        if marker in _STANDALONE:
            out.append(data[at:at + 2])
            at += 2
            continue
        if at + 4 > size:
            return None
        length = int.from_bytes(data[at + 2:at + 4], "big")
        end = at + 2 + length
        if length < 2 or end > size:
            return None
        if not ((0xE0 <= marker <= 0xEF and marker not in _KEEP_APP) or marker == _COMMENT):
            out.append(data[at:end])
        at = end
        if marker == _SOS:
            scan_end = _entropy_end(data, at)
            out.append(data[at:scan_end])
            at = scan_end
    return None  # no end marker: truncated


def _entropy_end(data: bytes, at: int) -> int:
    """Where the compressed scan data after an SOS header stops: at the next marker
    that is neither a stuffed 0xFF00 nor a restart marker."""
    size = len(data)
    while True:
        at = data.find(b"\xff", at)
        if at < 0 or at + 1 >= size:
            return size
        following = data[at + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            at += 2
        elif following == 0xFF:
            at += 1
        else:
            return at
