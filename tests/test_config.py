from pathlib import Path

import pytest

from altavoz import config


def test_sqlite_is_the_default_and_uses_wal(tmp_path: Path):
    db = config.database("", tmp_path)
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "altavoz.sqlite3")
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]


def test_postgres_url_is_parsed(tmp_path: Path):
    db = config.database("postgresql://news:s%40cret@db.internal:6543/paper", tmp_path)
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "paper", "news", "s@cret", "db.internal", "6543",
    )


def test_unknown_database_scheme_is_a_clear_error(tmp_path: Path):
    with pytest.raises(config.ConfigError, match="mysql"):
        config.database("mysql://x@y/z", tmp_path)


@pytest.mark.parametrize("raw", ["8000", "localhost", "host:port"])
def test_bad_listen_address_is_refused(raw: str):
    with pytest.raises(config.ConfigError, match="HOST:PORT"):
        config.listen_address(raw)


def test_listen_address_accepts_ipv6():
    assert config.listen_address("[::1]:8080") == config.Listen("::1", 8080)


def test_integer_settings_are_validated(monkeypatch):
    monkeypatch.setenv("ALTAVOZ_PAGE_SIZE", "ten")
    with pytest.raises(config.ConfigError, match="ALTAVOZ_PAGE_SIZE"):
        config.env_int("ALTAVOZ_PAGE_SIZE", 20)
    monkeypatch.setenv("ALTAVOZ_PAGE_SIZE", "0")
    with pytest.raises(config.ConfigError, match="at least 1"):
        config.env_int("ALTAVOZ_PAGE_SIZE", 20, minimum=1)


def test_boolean_settings_are_validated(monkeypatch):
    monkeypatch.setenv("ALTAVOZ_DEBUG", "maybe")
    with pytest.raises(config.ConfigError):
        config.env_bool("ALTAVOZ_DEBUG", False)
    monkeypatch.setenv("ALTAVOZ_DEBUG", "yes")
    assert config.env_bool("ALTAVOZ_DEBUG", False) is True
