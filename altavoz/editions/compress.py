"""Pre-compressed variants, made once per distinct content at build time.

gzip level 9 for every client, brotli quality 11 for those that accept it
(about a quarter smaller again on HTML). Both are deterministic (gzip without a
timestamp), so the same bytes always give the same variant blobs. Images and
PDFs are compressed already: trying costs time and never wins.
"""

from __future__ import annotations

import gzip

import brotli

GZIP_LEVEL = 9
BROTLI_QUALITY = 11
_TEXT_TYPES = {
    "application/json", "application/xml", "application/atom+xml", "application/rss+xml",
    "application/javascript", "application/manifest+json", "image/svg+xml",
    "application/vnd.oai.openapi+json",
}
# Below this a variant cannot save a network packet's worth of bytes.
MIN_SIZE = 256


def compressible(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media.startswith("text/") or media in _TEXT_TYPES or media.endswith("+xml")


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, GZIP_LEVEL, mtime=0)


def brotli_bytes(data: bytes) -> bytes:
    # Brotli releases the GIL here: build.py runs this on worker threads.
    return brotli.compress(data, quality=BROTLI_QUALITY)


def variants(data: bytes, content_type: str) -> tuple[bytes | None, bytes | None]:
    """(gzip, br), each None unless it is smaller than `data`."""
    if len(data) < MIN_SIZE or not compressible(content_type):
        return None, None
    gz, br = gzip_bytes(data), brotli_bytes(data)
    return (gz if len(gz) < len(data) else None), (br if len(br) < len(data) else None)
