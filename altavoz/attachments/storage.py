"""Where cleaned attachment files live under MEDIA_ROOT, and how they get there.

Names are random, not content hashes: a content address would let anyone who
holds a document ask the server whether a draft contains it. They look like
attachments/3f/3f9c…e1-960.webp: a two-digit directory keeps any one directory
small, the key ties every file to its Attachment row, and the suffix says which
rendition. Files are written once and never changed, so they may be cached forever.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

PREFIX = "attachments/"
NAME = re.compile(
    r"^attachments/(?P<dir>[0-9a-f]{2})/(?P<key>[0-9a-f]{32})(?:-(?P<width>[1-9][0-9]{0,3}))?"
    r"\.(?P<extension>jpg|png|webp|pdf)$"
)
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "pdf": "application/pdf",
}


def new_key() -> str:
    return secrets.token_hex(16)


def name_for(key: str, extension: str, width: int | None = None) -> str:
    suffix = f"-{width}" if width else ""
    return f"{PREFIX}{key[:2]}/{key}{suffix}.{extension}"


def write(files: dict[str, bytes]) -> None:
    """Write every file, or none: a failure half-way removes what was written."""
    written: list[str] = []
    try:
        for name, data in files.items():
            saved = default_storage.save(name, ContentFile(data))
            written.append(saved)
            if saved != name:  # 128 random bits never collide; if they did, stop
                raise FileExistsError(name)
    except BaseException:
        remove(written)
        raise


def remove(names: Iterable[str]) -> None:
    for name in names:
        default_storage.delete(name)


def remove_on_commit(names: Iterable[str]) -> None:
    """Delete files once the database change that dropped them is committed."""
    names = list(names)
    transaction.on_commit(lambda: remove(names))
