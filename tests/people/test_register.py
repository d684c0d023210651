"""Registering: what a new contributor sees, and what is stored.

Messages are checked on /en/ pages: English is the source language, so the
assertions hold whatever the Spanish catalog says."""

from __future__ import annotations

import importlib

import pytest
from django.contrib.auth.hashers import check_password
from django.contrib.messages import get_messages
from django.test import Client, override_settings

from altavoz.people.models import User

URL = "/en/account/register/"
GOOD = {
    "username": "lucia-ramos",
    "display_name": "Lucía",
    "password1": "tierra y libertad 1928",
    "password2": "tierra y libertad 1928",
}


def test_the_form_asks_for_no_email(client, db):
    page = client.get(URL).content.decode()
    for name in ("username", "display_name", "password1", "password2", "csrfmiddlewaretoken"):
        assert f'name="{name}"' in page
    assert 'name="email"' not in page
    assert '<label for="id_username"' in page
    assert "<script" not in page


def test_registering_signs_in_as_contributor_and_goes_to_my_articles(client, db):
    response = client.post(URL, {**GOOD, "role": "admin", "is_staff": "on"})
    assert response.status_code == 302
    assert response["Location"] == "/en/mine/"
    user = User.objects.get(username="lucia-ramos")
    assert user.role == User.Role.CONTRIBUTOR
    assert not user.is_staff
    assert user.display_name == "Lucía"
    assert user.email == ""
    assert client.session["_auth_user_id"] == str(user.pk)
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Lucía" in text for text in texts)


def test_public_name_is_optional(client, db):
    response = client.post(URL, {**GOOD, "display_name": ""})
    assert response.status_code == 302
    assert User.objects.get(username="lucia-ramos").public_name == "lucia-ramos"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"username": "a b"}, "Use 3 to 40 letters"),
        ({"username": "yo"}, "Use 3 to 40 letters"),
        ({"username": "x" * 5000}, "at most 40 characters"),
        ({"username": ""}, "This field is required."),
        ({"password2": "otra cosa distinta 77"}, "fields didn’t match"),
        ({"password1": "corta", "password2": "corta"}, "This password is too short"),
        ({"password1": "1234567890123", "password2": "1234567890123"}, "entirely numeric"),
        ({"password1": "p" * 5000, "password2": "p" * 5000}, "at most 1024 characters"),
        ({"display_name": "n" * 500}, "at most 100 characters"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_created(client, db, changes, expected):
    response = client.post(URL, {**GOOD, **changes})
    assert response.status_code == 200
    page = response.content.decode()
    assert expected in page
    assert 'role="alert"' in page
    assert 'aria-invalid="true"' in page
    assert not User.objects.exists()


def test_a_taken_name_is_refused_whatever_its_case(client, db):
    User.objects.create(username="Lucia-Ramos")
    response = client.post(URL, GOOD)
    assert response.status_code == 200
    assert "That username is taken." in response.content.decode()
    assert User.objects.count() == 1


def test_spanish_pages_get_django_messages_in_spanish(client, db):
    response = client.post("/es/account/register/", {**GOOD, "username": "x" * 50})
    assert "menos de 40 caracteres" in response.content.decode()
    assert User.objects.count() == 0


def test_garbage_and_missing_fields_get_a_form_not_a_crash(client, db):
    assert client.post(URL, {}).status_code == 200
    assert client.post(URL, {"username": ["a", "b"], "password1": "\x00\xff"}).status_code == 200
    response = client.post(URL, b"\x00\x01garbage", content_type="application/octet-stream")
    assert response.status_code == 200
    assert client.put(URL).status_code == 405


def test_posting_without_csrf_token_is_refused(db):
    client = Client(enforce_csrf_checks=True)
    assert client.post(URL, GOOD).status_code == 403
    assert not User.objects.exists()


def test_signed_in_people_are_sent_to_their_articles(contributor_client):
    response = contributor_client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == "/en/mine/"


def test_production_hashes_passwords_with_argon2(client, db):
    production = importlib.import_module("altavoz.settings")
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
        assert client.post(URL, GOOD).status_code == 302
        user = User.objects.get(username="lucia-ramos")
        assert user.password.startswith("argon2$argon2id$")
        assert check_password(GOOD["password1"], user.password)
        assert not check_password("wrong", user.password)
        fresh = Client()
        response = fresh.post(
            "/en/account/login/", {"username": "lucia-ramos", "password": GOOD["password1"]}
        )
        assert response.status_code == 302
