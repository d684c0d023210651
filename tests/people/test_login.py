"""Logging in and out, the login throttle, and what it keeps about clients."""

from __future__ import annotations

import pickle
import time

import pytest
from django.core.cache import cache
from django.test import Client

from altavoz.newsroom.workflow import may_moderate
from altavoz.people import throttle
from tests.conftest import PASSWORD, make_user, totp_device
from tests.people.conftest import log_in

URL = "/en/account/login/"


def fail(client: Client, username: str, address: str = "203.0.113.5"):
    return client.post(URL, {"username": username, "password": "not it"}, REMOTE_ADDR=address)


@pytest.fixture
def limit(settings) -> int:
    settings.ALTAVOZ_LOGIN_ATTEMPTS = 3
    settings.ALTAVOZ_LOGIN_WINDOW = 600
    return 3


def test_the_form_has_labels_and_a_link_to_register(client, db):
    page = client.get(URL).content.decode()
    assert '<label for="id_username"' in page and '<label for="id_password"' in page
    assert 'href="/en/account/register/"' in page
    assert "csrfmiddlewaretoken" in page


def test_a_contributor_goes_to_my_articles(client, contributor):
    response = client.post(URL, {"username": "ana", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/en/mine/"
    assert client.session["_auth_user_id"] == str(contributor.pk)


def test_a_safe_next_is_followed_and_a_foreign_one_ignored(client, contributor):
    response = client.post(URL + "?next=/en/write/", {"username": "ana", "password": PASSWORD})
    assert response["Location"] == "/en/write/"
    client.logout()
    response = client.post(
        URL, {"username": "ana", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/en/mine/"
    client.logout()
    response = client.post(
        URL + "?next=//evil.example/x", {"username": "ana", "password": PASSWORD}
    )
    assert response["Location"] == "/en/mine/"


def test_a_wrong_password_is_explained(client, contributor):
    response = fail(client, "ana")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_inactive_accounts_cannot_log_in(client, contributor):
    contributor.is_active = False
    contributor.save()
    assert log_in(client, "ana").status_code == 200
    assert "_auth_user_id" not in client.session


def test_garbage_gets_form_errors_not_a_crash(client, db):
    assert client.post(URL, {}).status_code == 200
    huge = {"username": "x" * 100_000, "password": "p" * 100_000}
    assert client.post(URL, huge).status_code == 200
    assert client.post(URL, {"username": "ana\x00", "password": "x"}).status_code == 200
    raw = b"username=%00%ff%fe&password=%C3%28"
    form = "application/x-www-form-urlencoded"
    assert client.post(URL, raw, content_type=form).status_code == 200
    assert client.post(URL + "?next=" + "a" * 5000, {"username": "u"}).status_code == 200
    assert client.delete(URL).status_code == 405


def test_too_many_failures_for_a_username_give_429(client, contributor, limit):
    for n in range(limit):
        # Different networks: only the username bucket fills up.
        assert fail(client, "ana", f"198.51.{n}.1").status_code == 200
    response = client.post(URL, {"username": "ana", "password": PASSWORD}, REMOTE_ADDR="192.0.2.1")
    assert response.status_code == 429
    assert response["Retry-After"] == "600"
    assert "Too many failed attempts" in response.content.decode()
    assert "try again in 10 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Case does not open a second counter.
    assert client.post(URL, {"username": "ANA", "password": "x"}).status_code == 429
    # Other people are not affected.
    make_user("berta")
    assert client.post(URL, {"username": "berta", "password": PASSWORD}).status_code == 302


def test_too_many_failures_from_a_network_give_429(client, db, limit):
    for n in range(limit):
        assert fail(client, f"user{n}", "203.0.113.5").status_code == 200
    # Same /24, another address: same bucket.
    assert fail(client, "someone", "203.0.113.77").status_code == 429
    assert fail(client, "someone", "198.51.100.1").status_code == 200


def test_ipv6_clients_are_grouped_by_64(client, db, limit):
    for n in range(limit):
        assert fail(client, f"user{n}", f"2001:db8:1:2::{n + 1}").status_code == 200
    assert fail(client, "other", "2001:db8:1:2:ffff::9").status_code == 429
    assert fail(client, "other", "2001:db8:1:3::1").status_code == 200


def test_success_resets_the_username_counter(client, contributor, limit):
    for _ in range(limit - 1):
        fail(client, "ana", "198.51.100.1")
    assert log_in(client, "ana", REMOTE_ADDR="192.0.2.9").status_code == 302
    client.logout()
    for _ in range(limit - 1):
        assert fail(client, "ana", "192.0.2.200").status_code == 200
    assert log_in(client, "ana", REMOTE_ADDR="192.0.2.201").status_code == 302


def test_the_window_ends(client, contributor, limit, monkeypatch):
    for n in range(limit):
        fail(client, "ana", f"198.51.{n}.1")
    assert log_in(client, "ana").status_code == 429
    later = time.time() + 601
    # Moves every clock, LocMem's expiry included: the counters simply expire.
    monkeypatch.setattr(time, "time", lambda: later)
    assert log_in(client, "ana").status_code == 302


def _cache_contents() -> list[bytes]:
    store = cache._cache  # LocMemCache: key -> pickled value
    blobs = []
    for key, value in store.items():
        blobs.append(key.encode())
        blobs.append(value)
        blobs.append(repr(pickle.loads(value)).encode())
    return blobs


@pytest.mark.parametrize(
    ("address", "fragments"),
    [
        ("203.0.113.45", [b"203.0.113", b"203.0.113.0/24", b"cb0071"]),
        ("2001:db8:abcd:12::7", [b"2001:db8", b"2001:0db8", b"abcd:12"]),
        ("::ffff:198.51.100.23", [b"198.51.100", b"ffff"]),
    ],
)
def test_the_cache_holds_no_address(client, db, address, fragments):
    for n in range(3):
        fail(client, f"user{n}", address)
    contents = _cache_contents()
    assert contents, "failures were counted somewhere"
    for blob in contents:
        for fragment in fragments:
            assert fragment not in blob


def test_networks():
    assert throttle.client_network("203.0.113.45") == "203.0.113.0/24"
    assert throttle.client_network("::ffff:203.0.113.45") == "203.0.113.0/24"
    assert throttle.client_network("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert throttle.client_network("not an address") == "unknown"
    assert throttle.client_network("") == "unknown"


def test_an_editor_is_signed_in_but_not_verified(client, editor):
    totp_device(editor)
    response = log_in(client, "carmen")
    assert response.status_code == 302
    assert response["Location"] == "/es/account/two-factor/"
    page = client.get("/en/account/two-factor/")
    user = page.wsgi_request.user
    assert user.is_authenticated and user.pk == editor.pk
    assert user.is_verified() is False
    assert may_moderate(user) is False


def test_an_editor_without_a_device_is_sent_to_set_one_up(client, editor):
    response = client.post(URL + "?next=/en/editor/", {"username": "carmen", "password": PASSWORD})
    assert response["Location"] == "/en/account/two-factor/setup/?next=%2Fen%2Feditor%2F"


def test_logout_asks_on_get_and_acts_on_post(contributor_client):
    page = contributor_client.get("/en/account/logout/")
    assert page.status_code == 200
    assert 'method="post"' in page.content.decode()
    assert "_auth_user_id" in contributor_client.session
    response = contributor_client.post("/en/account/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/en/"
    assert "_auth_user_id" not in contributor_client.session


def test_logout_needs_the_csrf_token(contributor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(contributor)
    assert client.post("/en/account/logout/").status_code == 403
    assert "_auth_user_id" in client.session
