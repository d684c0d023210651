"""The deployment's home directory: database, media, keys.

`altavoz init` creates it. Keys are generated here, never shipped in the
repository, and written with mode 0600 so only the service user reads them.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from nacl.signing import SigningKey

KEYS_DIR = "keys"
SECRET_KEY_FILE = "secret_key"
SIGNING_KEY_FILE = "signing.key"
VERIFY_KEY_FILE = "signing.pub"
EDGE_KEY_FILE = "edge-challenge.key"  # the edges' HMAC key: challenges, clearance cookies


def keys_dir(home: Path) -> Path:
    return home / KEYS_DIR


def _write_private(path: Path, text: str) -> None:
    # O_EXCL: never overwrite a key that exists; a lost key breaks every signature.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def initialise(home: Path) -> list[str]:
    """Create the home layout and any missing key; return what was created."""
    created: list[str] = []
    for sub in ("", KEYS_DIR, "media", "static", "editions", "logs"):
        directory = home / sub
        if not directory.exists():
            directory.mkdir(parents=True, exist_ok=True)
            created.append(str(directory))
    os.chmod(keys_dir(home), 0o700)

    secret = keys_dir(home) / SECRET_KEY_FILE
    if not secret.exists():
        _write_private(secret, secrets.token_urlsafe(50))
        created.append(str(secret))

    signing = keys_dir(home) / SIGNING_KEY_FILE
    if not signing.exists():
        key = SigningKey.generate()
        _write_private(signing, key.encode().hex())
        (keys_dir(home) / VERIFY_KEY_FILE).write_text(key.verify_key.encode().hex() + "\n")
        created.append(str(signing))

    if not (keys_dir(home) / EDGE_KEY_FILE).exists():
        edge_key(home)
        created.append(str(keys_dir(home) / EDGE_KEY_FILE))
    return created


def edge_key(home: Path) -> bytes:
    """The edges' HMAC key, made on first use too, since an edge host may never run
    `altavoz init`. Edges that should honour each other's clearance share this file."""
    path = keys_dir(home) / EDGE_KEY_FILE
    if not path.exists():
        keys_dir(home).mkdir(mode=0o700, parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # another edge process made it first
            _write_private(path, secrets.token_hex(32) + "\n")
    return bytes.fromhex(path.read_text().strip())


def read_secret_key(home: Path) -> str | None:
    path = keys_dir(home) / SECRET_KEY_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return None


def public_key_hex(home: Path) -> str:
    return (keys_dir(home) / VERIFY_KEY_FILE).read_text().strip()
