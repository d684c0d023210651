"""The public mirrors page, and the ALTAVOZ_MIRRORS setting behind it: what a
reader who cannot reach the main address needs, in both languages."""

from __future__ import annotations

import base64
import hashlib

import pytest
from django.conf import settings
from django.test import Client, override_settings

from altavoz import config
from altavoz.config import Mirror
from altavoz.home import public_key_hex

MIRRORS = [Mirror("Espejo Caracas", "https://espejo.example/"),
           Mirror("Mirror Berlin", "https://mirror.example/altavoz/")]


def onion_for(seed: bytes) -> str:
    """A well-formed v3 onion address (rend-spec-v3) for a made-up key."""
    pubkey = hashlib.sha256(seed).digest()
    checksum = hashlib.sha3_256(b".onion checksum" + pubkey + b"\x03").digest()[:2]
    return base64.b32encode(pubkey + checksum + b"\x03").decode().lower() + ".onion"


ONION = onion_for(b"altavoz")


@pytest.mark.parametrize("lang", ["es", "en"])
@override_settings(ALTAVOZ_MIRRORS=MIRRORS, ALTAVOZ_ONION_ADDRESS=ONION)
def test_the_mirrors_page_lists_every_mirror_the_key_and_how_to_verify(db, lang: str):
    response = Client().get(f"/{lang}/mirrors/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<html lang="{lang}">' in page
    for mirror in MIRRORS:
        assert f'<a href="{mirror.url}">{mirror.name}</a>' in page
    assert f'<a href="http://{ONION}/">' in page
    key = public_key_hex(settings.ALTAVOZ_HOME)
    assert f"<pre><code>{key}</code></pre>" in page
    assert f"altavoz verify https://espejo.example/ --key {key}" in page
    assert 'href="/.well-known/altavoz/public-key"' in page
    # Linked from every page's footer and from the about page.
    assert f'href="/{lang}/mirrors/"' in Client().get(f"/{lang}/").content.decode()
    assert f'href="/{lang}/mirrors/"' in Client().get(f"/{lang}/about/").content.decode()
    # An edition page: the same bytes for every reader, no cookie.
    assert not response.cookies


@override_settings(ALTAVOZ_MIRRORS=[], ALTAVOZ_ONION_ADDRESS="")
def test_with_no_mirror_the_page_says_so(db):
    page = Client().get("/en/mirrors/").content.decode()
    assert "No mirror is listed yet." in page
    assert "altavoz verify http://127.0.0.1:8000/ --key" in page


@override_settings(ALTAVOZ_MIRRORS=MIRRORS)
def test_the_mirrors_page_is_in_spanish(db):
    """Needs the Spanish catalog entries for the new strings (listed for the lead)."""
    page = Client().get("/es/mirrors/").content.decode()
    assert "<h1>Espejos</h1>" in page
    assert "Comprobar un espejo" in page


def test_mirrors_setting_is_parsed(monkeypatch):
    monkeypatch.setenv("ALTAVOZ_MIRRORS", "Espejo Caracas https://espejo.example/ ,"
                       " Onion http://x.onion/,")
    assert config.mirrors() == [Mirror("Espejo Caracas", "https://espejo.example/"),
                                Mirror("Onion", "http://x.onion/")]
    monkeypatch.delenv("ALTAVOZ_MIRRORS")
    assert config.mirrors() == []


@pytest.mark.parametrize("raw", ["https://espejo.example/", "Espejo espejo.example",
                                 "Espejo ftp://espejo.example/", 'Espejo https://e.example/"x'])
def test_a_bad_mirrors_entry_names_the_entry_and_the_form(monkeypatch, raw: str):
    monkeypatch.setenv("ALTAVOZ_MIRRORS", f"Uno https://uno.example/,{raw}")
    with pytest.raises(config.ConfigError, match="ALTAVOZ_MIRRORS entry 2 must be a name and"):
        config.mirrors()
