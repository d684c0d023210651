"""atheris target: any bytes as an uploaded file.

The first byte picks the file's name (and so the kind it claims to be); the rest is
the file. Checked with tests/attachments/test_upload_fuzz.check_upload: a refusal
with a message a person can act on, or cleaned files that keep no EXIF/GPS, no
document metadata and no active content; never another exception.
"""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
django.setup()

from django.test import override_settings  # noqa: E402

from tests.attachments.test_upload_fuzz import LIMITS, NAMES, check_upload  # noqa: E402


def one_input(data: bytes) -> None:
    if not data:
        return
    with override_settings(**LIMITS):
        check_upload(data[1:], NAMES[data[0] % len(NAMES)])
