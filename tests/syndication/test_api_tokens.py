"""API tokens: shown once, stored as a hash, revocable; Bearer authentication."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from altavoz.people import tokens
from altavoz.people.models import ApiToken
from tests.test_cli import run

TOKEN = re.compile(r"^avz_[A-Za-z0-9_-]{43}$")


@pytest.fixture
def client(db):
    """Messages in English, the source language, whatever the catalogs hold."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def submit(client, raw: str | None, **headers):
    extra = bearer(raw) if raw else {}
    return client.post("/api/v1/articles", {}, content_type="application/json",
                       **extra, **headers)


def test_a_token_is_random_and_only_its_hash_is_stored(contributor):
    token, raw = tokens.issue(contributor, name="my phone")
    other_token, other = tokens.issue(contributor)
    assert TOKEN.match(raw) and raw != other
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert stored.hint == raw[:12] and stored.name == "my phone"
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert raw not in {str(v) for v in row.values()}
    assert stored.created_at is not None and stored.last_used_at is None
    assert tokens.find(raw).token == stored and tokens.find(other).token == other_token


def test_last_used_is_recorded_coarsely(contributor):
    token, raw = tokens.issue(contributor)
    tokens.find(raw)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    tokens.find(raw)
    token.refresh_from_db()
    assert token.last_used_at == first  # within the hour: no write
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(hours=2))
    tokens.find(raw)
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(minutes=1)


def test_revoked_tokens_no_longer_work(client, contributor):
    token, raw = tokens.issue(contributor)
    assert submit(client, raw).status_code == 422  # authenticated, empty body
    tokens.revoke(token)
    assert token.revoked_at is not None and not token.is_active
    response = submit(client, raw)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"
    assert "revoked" in response.json()["error"]["message"]
    _second, raw2 = tokens.issue(contributor)
    assert tokens.revoke_all(contributor) == 1
    assert submit(client, raw2).status_code == 401


@pytest.mark.parametrize("header, words", [
    (None, "Authorization: Bearer"),
    ("Bearer avz_not-a-real-token", "not valid"),
    ("Bearer " + "x" * 500, "not valid"),
    ("Token abc", "Bearer"),
    ("Bearer ", "Bearer"),
])
def test_missing_or_bad_tokens_get_a_401_that_says_why(client, contributor, header, words):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = client.post("/api/v1/articles", {}, content_type="application/json", **extra)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert words in response.json()["error"]["message"]


def test_a_disabled_account_token_is_refused(client, contributor):
    _token, raw = tokens.issue(contributor)
    contributor.is_active = False
    contributor.save()
    response = submit(client, raw)
    assert response.status_code == 401
    assert "disabled" in response.json()["error"]["message"]


def test_a_browser_session_is_not_an_api_login(contributor_client):
    """The API skips CSRF, so a session cookie must not authorize anything."""
    response = contributor_client.post("/api/v1/articles", {}, content_type="application/json")
    assert response.status_code == 401


def test_token_use_is_bumped_but_not_on_every_request(contributor, django_assert_num_queries):
    token, raw = tokens.issue(contributor)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    # One query to find the token (with its user); no UPDATE within the hour.
    with django_assert_num_queries(1):
        assert tokens.find(raw).token is not None


def test_createuser_prints_a_working_token(tmp_path: Path):
    """As an operator runs it (SQLite: the token code is the same on both databases,
    and the in-process tests cover PostgreSQL)."""
    db_url = ""
    assert run(tmp_path, "init", db_url=db_url).returncode == 0
    result = run(tmp_path, "createuser", "rosa", "--role", "contributor", "--token",
                 db_url=db_url)
    assert result.returncode == 0, result.stderr
    assert "created contributor rosa" in result.stdout
    found = re.search(r"^API token: (avz_\S+)$", result.stdout, re.MULTILINE)
    assert found and TOKEN.match(found[1])
    check = (
        "from altavoz.people.tokens import find;"
        f"t = find('{found[1]}').token; print(t.user.username, t.key_hash != '{found[1]}')"
    )
    shell = run(tmp_path, "manage", "shell", "-c", check, db_url=db_url)
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.strip().splitlines()[-1].split() == ["rosa", "True"]
    without = run(tmp_path, "createuser", "sol", db_url=db_url)
    assert "API token" not in without.stdout
