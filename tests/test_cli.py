"""The `altavoz` command as an operator runs it: in a subprocess, on a fresh home."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

ALTAVOZ = [sys.executable, "-m", "altavoz.cli"]
COMMANDS = ["init", "seed", "serve", "createuser", "manage", "build", "publish", "export", "verify",
            "mirror", "shield"]


def run(home: Path, *args: str, db_url: str = "", stdin: str | None = None,
        lang: str = "en_GB.UTF-8"):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["ALTAVOZ_HOME"] = str(home)
    env["ALTAVOZ_DATABASE_URL"] = db_url
    env["LANG"] = lang
    return subprocess.run(
        [*ALTAVOZ, *args], env=env, capture_output=True, text=True, timeout=120, input=stdin,
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(tmp_path: Path, command: str):
    result = run(tmp_path, command, "--help")
    assert result.returncode == 0, result.stderr
    assert "usage: altavoz" in result.stdout


def test_top_level_help_lists_the_commands(tmp_path: Path):
    result = run(tmp_path, "--help")
    for command in COMMANDS:
        assert command in result.stdout


def test_commands_before_init_say_what_to_do(tmp_path: Path):
    result = run(tmp_path / "nowhere", "createuser", "ana")
    assert result.returncode != 0
    assert "altavoz init" in result.stderr


@pytest.fixture
def postgres_url():
    """A throw-away PostgreSQL database, so init runs migrations on a real server."""
    name = f"altavoz_cli_{uuid.uuid4().hex[:8]}"
    admin = "postgresql://postgres@127.0.0.1:5432/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_init_then_createuser(tmp_path: Path, backend: str, request):
    db_url = request.getfixturevalue("postgres_url") if backend == "postgresql" else ""
    result = run(tmp_path, "init", db_url=db_url)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "keys" / "secret_key").exists()
    if backend == "sqlite":
        assert (tmp_path / "altavoz.sqlite3").exists()

    result = run(tmp_path, "createuser", "carmen", "--role", "editor", db_url=db_url)
    assert result.returncode == 0, result.stderr
    assert "created editor carmen" in result.stdout
    assert "password: " in result.stdout

    again = run(tmp_path, "createuser", "carmen", db_url=db_url)
    assert again.returncode == 2
    assert "taken" in again.stderr

    weak = run(tmp_path, "createuser", "dora", "--password-stdin", db_url=db_url, stdin="123\n")
    assert weak.returncode == 2
    assert "too short" in weak.stderr


def test_messages_follow_the_operators_language(tmp_path: Path):
    assert run(tmp_path, "init").returncode == 0
    result = run(tmp_path, "createuser", "dora", "--password-stdin", stdin="123\n",
                 lang="es_VE.UTF-8")
    assert "demasiado corta" in result.stderr
