"""Settings that come from the environment (the contract in DESIGN.md).

Every value here is documented, with its default and the reason for it, in
docs/SETTINGS.md. Nothing is read from anywhere else, so an operator can see the
whole configuration of a deployment with `env | grep ALTAVOZ_`.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit


class ConfigError(ValueError):
    """A setting in the environment cannot be used; the message says which and why."""


def home() -> Path:
    return Path(os.environ.get("ALTAVOZ_HOME", "./var")).expanduser().resolve()


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default).strip() or default


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def env_float(name: str, default: float, *, minimum: float = 0.0) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc
    if not value >= minimum:  # also refuses nan
        raise ConfigError(f"{name} must be at least {minimum}, got {raw!r}")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


@dataclass(frozen=True)
class Listen:
    host: str
    port: int


def listen_address(raw: str | None = None, name: str = "ALTAVOZ_LISTEN") -> Listen:
    raw = raw or env_str("ALTAVOZ_LISTEN", "127.0.0.1:8000")
    host, sep, port = raw.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"{name} must be HOST:PORT, got {raw!r}")
    return Listen(host.strip("[]") or "127.0.0.1", int(port))


def database(url: str | None, home_dir: Path) -> dict:
    """Django DATABASES['default'] from ALTAVOZ_DATABASE_URL (SQLite when unset)."""
    if not url:
        return _sqlite(home_dir / "altavoz.sqlite3")
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if not path or path == "/":
            raise ConfigError("ALTAVOZ_DATABASE_URL sqlite:/// needs a file path")
        return _sqlite(Path(path))
    if parts.scheme in {"postgres", "postgresql"}:
        name = unquote(parts.path.lstrip("/")) or "altavoz"
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or "postgres"),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "127.0.0.1",
            "PORT": str(parts.port or 5432),
            # Reuse connections for a minute: a worker serves many requests in a row.
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    raise ConfigError(
        f"ALTAVOZ_DATABASE_URL scheme {parts.scheme!r} is not supported "
        "(use sqlite:///path or postgresql://user@host:port/name)"
    )


def _sqlite(path: Path) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            # WAL lets readers go on while one writer commits; NORMAL sync is
            # durable across process crashes, which is what kill -9 tests need.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;"
            ),
            # Take the write lock at BEGIN, so two writers queue instead of
            # failing with "database is locked" half-way through a transaction.
            "transaction_mode": "IMMEDIATE",
        },
    }


# --- addresses: the origin, the onion service, the mirrors ------------------------------

_SITE_URL = re.compile(r"https?://[a-z0-9.\-]+(?::[0-9]{1,5})?|https?://\[[0-9a-f:.]+\](?::[0-9]{1,5})?")
_ONION_V3 = re.compile(r"[a-z2-7]{56}\.onion")


def site_url(raw: str, name: str) -> str:
    """'https://Example.org/' → 'https://example.org': scheme and host[:port], nothing else.
    Links are appended to it, so a path, query or user name would corrupt every one."""
    value = raw.strip().rstrip("/")
    parts = urlsplit(value.lower())
    if not _SITE_URL.fullmatch(value.lower()) or parts.username or parts.path:
        raise ConfigError(f"{name} must be http(s)://host[:port], with no path, got {raw!r}")
    return value.lower()


def origin_url(default: str) -> str:
    """ALTAVOZ_ORIGIN_URL: where a static mirror sends forms, log-in, writing and search."""
    raw = os.environ.get("ALTAVOZ_ORIGIN_URL", "").strip()
    return site_url(raw, "ALTAVOZ_ORIGIN_URL") if raw else default.rstrip("/")


def onion_address() -> str:
    """ALTAVOZ_ONION_ADDRESS as a bare host name ('…56 chars….onion'), '' when unset.
    The URL Tor Browser shows (http://….onion/) is accepted too."""
    raw = os.environ.get("ALTAVOZ_ONION_ADDRESS", "").strip()
    if not raw:
        return ""
    host = raw.lower()
    if "://" in host:
        host = urlsplit(host).hostname or ""
    host = host.rstrip("/")
    if not _ONION_V3.fullmatch(host):
        raise ConfigError(
            "ALTAVOZ_ONION_ADDRESS must be a v3 onion address: 56 letters a-z and digits 2-7, "
            f"then .onion, as tor writes it in HiddenServiceDir/hostname; got {raw!r}")
    if not _onion_checksum_ok(host):
        raise ConfigError(f"ALTAVOZ_ONION_ADDRESS {raw!r} has a typo: its checksum does not "
                          "match (copy it again from HiddenServiceDir/hostname)")
    return host


def _onion_checksum_ok(host: str) -> bool:
    # rend-spec-v3: base32(pubkey[32] | checksum[2] | version[1]), and
    # checksum = SHA3-256(".onion checksum" | pubkey | version)[:2].
    raw = base64.b32decode(host.removesuffix(".onion").upper())
    pubkey, checksum, version = raw[:32], raw[32:34], raw[34:]
    digest = hashlib.sha3_256(b".onion checksum" + pubkey + version).digest()
    return version == b"\x03" and digest[:2] == checksum


@dataclass(frozen=True)
class Mirror:
    name: str
    url: str


def mirrors() -> list[Mirror]:
    """ALTAVOZ_MIRRORS: 'NAME URL' entries separated by commas, listed on the mirrors page."""
    raw = os.environ.get("ALTAVOZ_MIRRORS", "")
    found: list[Mirror] = []
    for number, entry in enumerate((e.strip() for e in raw.split(",")), 1):
        if not entry:
            continue
        name, _space, url = entry.rpartition(" ")
        parts = urlsplit(url)
        if (not name.strip() or parts.scheme not in {"http", "https"} or not parts.hostname
                or any(c in url for c in "\"'<>\\")):
            raise ConfigError(
                f"ALTAVOZ_MIRRORS entry {number} must be a name and an http(s) URL, as in "
                f"'Espejo Caracas https://espejo.example/'; got {entry!r}")
        found.append(Mirror(" ".join(name.split()), url))
    return found
