"""Two-factor sign-in: setting a device up, the code step, and its throttle."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from altavoz.newsroom.workflow import may_moderate
from altavoz.people import two_factor as tf
from tests.conftest import PASSWORD, current_code, make_user, totp_device
from tests.people.conftest import code_at, log_in

CODE_URL = "/en/account/two-factor/"
SETUP_URL = "/en/account/two-factor/setup/"


def whoami(client: Client):
    """The user as the next request sees it (with django-otp's is_verified)."""
    return client.get("/en/account/logout/").wsgi_request.user


def wrong_code(device: TOTPDevice) -> str:
    """A well-formed code no step near now will produce (tolerance is one step)."""
    near = {code_at(device, offset) for offset in (-60, -30, 0, 30, 60)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in near)


@pytest.fixture
def no_backoff(settings):
    # django-otp adds its own growing delay after each wrong code; tests that
    # send several codes in a row switch it off to see ours.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(CODE_URL)
    assert response.status_code == 302
    assert response["Location"] == "/en/account/login/"
    assert client.post(CODE_URL, {"code": "123456"})["Location"] == "/en/account/login/"
    response = client.get(SETUP_URL)
    assert response["Location"].startswith("/en/account/login/?next=")


def test_an_editor_sets_up_a_device_and_becomes_verified(client, editor):
    response = log_in(client, "carmen")
    assert response["Location"] == "/es/account/two-factor/setup/"
    assert may_moderate(whoami(client)) is False

    page = client.get(SETUP_URL).content.decode()
    device = TOTPDevice.objects.get(user=editor)
    assert not device.confirmed
    assert "<svg" in page and "<script" not in page
    assert not re.search(r'(src|href)="https?://', page), "no third-party requests"
    secret = tf.grouped_secret(device)
    assert secret in page and re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{1,4}", secret)
    assert "Editors and admins must confirm" in page
    # Reloading keeps the same secret instead of piling up devices.
    assert secret in client.get(SETUP_URL).content.decode()
    assert TOTPDevice.objects.filter(user=editor).count() == 1

    session_before = client.session.session_key
    response = client.post(SETUP_URL, {"code": current_code(device)})
    assert response.status_code == 302
    assert response["Location"] == "/en/editor/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.session.session_key != session_before
    user = whoami(client)
    assert user.is_verified() and may_moderate(user)


def test_setup_refuses_a_wrong_code(client, editor, no_backoff):
    log_in(client, "carmen")
    client.get(SETUP_URL)
    device = TOTPDevice.objects.get(user=editor)
    response = client.post(SETUP_URL, {"code": wrong_code(device)})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert may_moderate(whoami(client)) is False


def test_the_code_step_verifies_an_editor(client, editor, no_backoff):
    device = totp_device(editor)
    log_in(client, "carmen")
    response = client.post(CODE_URL, {"code": wrong_code(device)})
    assert response.status_code == 200
    assert may_moderate(whoami(client)) is False
    response = client.post(CODE_URL, {"code": current_code(device)})
    assert response.status_code == 302
    assert response["Location"] == "/en/editor/"
    assert may_moderate(whoami(client)) is True
    # Already verified: the page just moves on.
    assert client.get(CODE_URL)["Location"] == "/en/editor/"


def test_the_code_step_follows_next(client, editor):
    device = totp_device(editor)
    response = client.post("/en/account/login/?next=/en/editor/audit/",
                           {"username": "carmen", "password": PASSWORD})
    assert response["Location"] == "/en/account/two-factor/?next=%2Fen%2Feditor%2Faudit%2F"
    response = client.post(response["Location"], {"code": current_code(device)})
    assert response["Location"] == "/en/editor/audit/"


@pytest.mark.parametrize("code", ["", "abcdef", "12345", "1234567", "１２３４５６", "x" * 5000])
def test_malformed_codes_are_explained(client, editor, code):
    totp_device(editor)
    log_in(client, "carmen")
    response = client.post(CODE_URL, {"code": code})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert may_moderate(whoami(client)) is False


def test_codes_may_be_typed_with_a_space(client, editor):
    device = totp_device(editor)
    log_in(client, "carmen")
    code = current_code(device)
    assert client.post(CODE_URL, {"code": f"{code[:3]} {code[3:]}"}).status_code == 302


def test_a_spent_code_cannot_be_replayed(editor):
    device = totp_device(editor)
    code = current_code(device)
    first, second = Client(), Client()
    log_in(first, "carmen")
    log_in(second, "carmen")
    assert first.post(CODE_URL, {"code": code}).status_code == 302
    assert second.post(CODE_URL, {"code": code}).status_code == 200
    assert may_moderate(whoami(second)) is False


def test_too_many_wrong_codes_give_429(client, editor, settings, no_backoff):
    settings.ALTAVOZ_LOGIN_ATTEMPTS = 3
    device = totp_device(editor)
    log_in(client, "carmen")
    right, wrong = current_code(device), wrong_code(device)
    for _ in range(3):
        assert client.post(CODE_URL, {"code": wrong}).status_code == 200
    response = client.post(CODE_URL, {"code": right})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many failed attempts" in response.content.decode()
    assert may_moderate(whoami(client)) is False
    # A new session does not start a new count: the bucket is the account's.
    other = Client()
    log_in(other, "carmen")
    assert other.post(CODE_URL, {"code": right}).status_code == 429


def test_django_otp_backoff_is_reported_too(client, editor, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    device = totp_device(editor)
    log_in(client, "carmen")
    right, wrong = current_code(device), wrong_code(device)
    assert client.post(CODE_URL, {"code": wrong}).status_code == 200
    response = client.post(CODE_URL, {"code": right})
    assert response.status_code == 429
    assert "before trying another code" in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= 61


def test_a_device_already_set_up_is_not_shown_again(client, editor):
    totp_device(editor)
    log_in(client, "carmen")
    assert client.get(SETUP_URL)["Location"] == "/en/account/two-factor/"


def test_the_shared_editor_fixture_is_verified(editor_client):
    assert may_moderate(whoami(editor_client)) is True


def test_a_contributor_may_turn_on_two_factor(contributor_client, contributor):
    page = contributor_client.get(SETUP_URL).content.decode()
    assert "Optional" in page
    device = TOTPDevice.objects.get(user=contributor)
    response = contributor_client.post(SETUP_URL, {"code": current_code(device)})
    assert response["Location"] == "/en/mine/"
    assert TOTPDevice.objects.get(user=contributor).confirmed
    assert whoami(contributor_client).is_verified()

    # From now on the password alone does not sign them in.
    client = Client()
    response = log_in(client, "ana")
    assert response["Location"] == "/es/account/two-factor/"
    assert "_auth_user_id" not in client.session
    assert not whoami(client).is_authenticated
    response = client.post(CODE_URL, {"code": code_at(device, 30)})  # the current one is spent
    assert response.status_code == 302
    assert response["Location"] == "/en/mine/"
    user = whoami(client)
    assert user.pk == contributor.pk and user.is_verified()


def test_a_half_finished_contributor_sign_in_expires(client, contributor, monkeypatch):
    device = totp_device(contributor)
    log_in(client, "ana")
    monkeypatch.setattr(tf, "PENDING_SECONDS", -1)
    response = client.post(CODE_URL, {"code": current_code(device)})
    assert response["Location"] == "/en/account/login/"
    assert not whoami(client).is_authenticated


def test_a_verified_editor_can_open_setup_only_to_be_sent_on(editor_client):
    assert editor_client.get(SETUP_URL)["Location"] == "/en/editor/"


def test_someone_elses_pending_step_is_not_inherited(db):
    alice = make_user("alicia")
    device = totp_device(alice)
    make_user("bruno")
    client = Client()
    log_in(client, "alicia")
    assert tf.PENDING_KEY in client.session
    log_in(client, "bruno")
    assert tf.PENDING_KEY not in client.session
    response = client.post(CODE_URL, {"code": current_code(device)})
    assert response["Location"] == "/en/account/two-factor/setup/"
    assert whoami(client).username == "bruno"
    assert TOTPDevice.objects.get(pk=device.pk).last_t == -1  # never spent


def test_the_editor_pages_send_an_unverified_editor_through_the_code_step(client, editor):
    device = totp_device(editor)
    log_in(client, "carmen")
    response = client.get("/en/editor/")
    assert response.status_code == 302
    assert response["Location"] == "/en/account/two-factor/?next=%2Fen%2Feditor%2F"
    page = client.get(response["Location"]).content.decode()
    assert 'name="next" value="/en/editor/"' in page
    response = client.post(response["Location"], {"code": current_code(device)})
    assert response["Location"] == "/en/editor/"
    assert client.get("/en/editor/").status_code == 200
