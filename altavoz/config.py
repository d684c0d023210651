"""Settings that come from the environment (the contract in DESIGN.md).

Every value here is documented, with its default and the reason for it, in
docs/SETTINGS.md. Nothing is read from anywhere else, so an operator can see the
whole configuration of a deployment with `env | grep ALTAVOZ_`.
"""

from __future__ import annotations

import os
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


def listen_address(raw: str | None = None) -> Listen:
    raw = raw or env_str("ALTAVOZ_LISTEN", "127.0.0.1:8000")
    host, sep, port = raw.rpartition(":")
    if not sep or not port.isdigit():
        raise ConfigError(f"ALTAVOZ_LISTEN must be HOST:PORT, got {raw!r}")
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
