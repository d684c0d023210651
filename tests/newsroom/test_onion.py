"""Onion-Location on origin-rendered pages, and the ALTAVOZ_ONION_ADDRESS setting."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.test import Client, override_settings

from altavoz import config
from altavoz.editions.render import BaseUrl, Renderer
from tests.newsroom.test_mirrors_page import ONION, onion_for


@override_settings(ALTAVOZ_ONION_ADDRESS=ONION)
def test_html_get_answers_carry_onion_location_with_the_same_path(db, contributor):
    client = Client()
    response = client.get("/es/search/?q=tierra&section=")
    assert response["Onion-Location"] == f"http://{ONION}/es/search/?q=tierra&section="
    assert client.head("/en/about/")["Onion-Location"] == f"http://{ONION}/en/about/"
    # Origin-rendered pages too: the log-in form.
    assert client.get("/es/account/login/")["Onion-Location"] == (
        f"http://{ONION}/es/account/login/")


@override_settings(ALTAVOZ_ONION_ADDRESS=ONION)
def test_no_onion_location_on_posts_feeds_json_or_on_the_onion_itself(db):
    client = Client()
    assert not client.post("/es/account/login/", {}).has_header("Onion-Location")
    assert not client.get("/es/feed/").has_header("Onion-Location")
    assert not client.get("/api/v1/articles").has_header("Onion-Location")
    assert not client.get("/robots.txt").has_header("Onion-Location")
    assert not client.get("/es/", HTTP_HOST=ONION).has_header("Onion-Location")


@override_settings(ALTAVOZ_ONION_ADDRESS="")
def test_no_header_without_an_onion_address(db):
    assert not Client().get("/es/").has_header("Onion-Location")


@override_settings(ALTAVOZ_ONION_ADDRESS=ONION, ALLOWED_HOSTS=["*"])
def test_edition_pages_do_not_copy_the_header_into_the_manifest(db):
    # The edge adds it from the site-level address; per path it would only add bytes.
    with Renderer(BaseUrl.parse("https://example.org")).session() as renderer:
        rendered = renderer.render("/es/about/")
    assert "Onion-Location" not in rendered.headers and rendered.headers  # others stay


def test_onion_address_setting_is_validated(monkeypatch):
    monkeypatch.setenv("ALTAVOZ_ONION_ADDRESS", f"  http://{ONION.upper()}/ ")
    assert config.onion_address() == ONION  # as copied from Tor Browser: accepted
    monkeypatch.setenv("ALTAVOZ_ONION_ADDRESS", "")
    assert config.onion_address() == ""
    for bad in ("expyuzz4wqqyqhjn.onion", "example.org", ONION.replace(".onion", ".com")):
        monkeypatch.setenv("ALTAVOZ_ONION_ADDRESS", bad)
        with pytest.raises(config.ConfigError, match="v3 onion address"):
            config.onion_address()
    typo = ("b" if ONION[0] == "a" else "a") + ONION[1:]
    monkeypatch.setenv("ALTAVOZ_ONION_ADDRESS", typo)
    with pytest.raises(config.ConfigError, match="typo"):
        config.onion_address()
    assert onion_for(b"other") != ONION


def test_a_bad_onion_address_stops_the_command_with_a_clear_message(tmp_path):
    env = {"ALTAVOZ_HOME": str(tmp_path), "ALTAVOZ_ONION_ADDRESS": "not-an-onion",
           "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "altavoz.cli", "mirror", "onion"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "configuration error" in result.stderr and "ALTAVOZ_ONION_ADDRESS" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("raw", ["https://example.org/path", "example.org", "ftp://x.org",
                                 "https://user@example.org"])
def test_origin_url_setting_is_validated(monkeypatch, raw: str):
    monkeypatch.setenv("ALTAVOZ_ORIGIN_URL", raw)
    with pytest.raises(config.ConfigError, match="ALTAVOZ_ORIGIN_URL"):
        config.origin_url("https://example.org")
    monkeypatch.setenv("ALTAVOZ_ORIGIN_URL", "https://Write.Example.org:8443/")
    assert config.origin_url("https://example.org") == "https://write.example.org:8443"
    monkeypatch.delenv("ALTAVOZ_ORIGIN_URL")
    assert config.origin_url("https://example.org/") == "https://example.org"
