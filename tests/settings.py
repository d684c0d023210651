"""Test settings: a throw-away ALTAVOZ_HOME, initialised like `altavoz init` does.

The database comes from ALTAVOZ_DATABASE_URL, so `make test` runs the same
suite once on SQLite and once on PostgreSQL.
"""

import os
import tempfile
from pathlib import Path

from altavoz.home import initialise

_home = Path(tempfile.mkdtemp(prefix="altavoz-test-"))
os.environ["ALTAVOZ_HOME"] = str(_home)
initialise(_home)

from altavoz.settings import *  # noqa: E402,F403

# Fast hashing in tests only; production uses argon2 (tests/people check it).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
