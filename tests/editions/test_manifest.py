"""The manifest's canonical bytes, its id, and the signature over it."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given
from hypothesis import strategies as st
from nacl.signing import SigningKey

from altavoz.editions import signing
from altavoz.editions.manifest import (
    Manifest,
    PathEntry,
    Site,
    Variant,
    canonical,
    edition_id,
    referenced_blobs,
    scan_blobs,
    scan_previous,
    variants_by_blob,
)

A, B, C, D = ("a" * 64, "b" * 64, "c" * 64, "d" * 64)


def _manifest() -> Manifest:
    return Manifest(
        site=Site(name="altavoz", base_url="https://example.org", languages=["es", "en"],
                  default_language="es", public_key="00" * 32),
        paths={
            "/es/": PathEntry(blob=A, size=100, type="text/html; charset=utf-8",
                              cache="public, max-age=60", lang="es",
                              gzip=Variant(B, 40), br=Variant(C, 30),
                              headers={"X-Frame-Options": "DENY"}),
            "/media/x.png": PathEntry(blob=D, size=10, type="image/png",
                                      cache="public, max-age=31536000, immutable"),
        },
        search_index=Variant("e" * 64, 5),
        redirects={"/": "/es/"},
        previous=None,
        created="2026-11-29T14:00:00Z",
    )


def test_canonical_bytes_are_the_documented_json_dump():
    data = _manifest().encode()
    parsed = json.loads(data)
    assert data == json.dumps(parsed, sort_keys=True, separators=(",", ":"),
                              ensure_ascii=False).encode()
    assert edition_id(data) == hashlib.sha256(data).hexdigest()


def test_entries_hold_every_documented_field():
    parsed = json.loads(_manifest().encode())
    assert parsed["format"] == 1 and parsed["previous"] is None
    page = parsed["paths"]["/es/"]
    assert page == {
        "blob": A, "size": 100, "type": "text/html; charset=utf-8", "lang": "es",
        "etag": f'"{A[:32]}"', "cache": "public, max-age=60",
        "gzip": {"blob": B, "size": 40}, "br": {"blob": C, "size": 30},
        "headers": {"X-Frame-Options": "DENY"},
    }
    image = parsed["paths"]["/media/x.png"]
    assert "gzip" not in image and "br" not in image  # absent, not null
    assert image["lang"] is None and image["headers"] == {}
    assert PathEntry.from_json(page) == _manifest().paths["/es/"]


def test_referenced_blobs_are_every_variant_and_the_index():
    assert referenced_blobs(json.loads(_manifest().encode())) == {A, B, C, D, "e" * 64}


def test_scanning_the_bytes_finds_what_parsing_finds():
    manifest = _manifest()
    # Text that looks like manifest keys, inside a path and a header value.
    trap = f'"blob":"{"f" * 64}","previous":"{"f" * 64}"'
    manifest.paths[f"/es/{trap}/"] = PathEntry(
        blob="1" * 64, size=3, type="text/plain", cache="public, max-age=60", lang="es",
        gzip=Variant("2" * 64, 2), headers={"X-Note": trap},
    )
    manifest.previous = "9" * 64
    data = manifest.encode()
    parsed = json.loads(data)
    assert scan_blobs(data) == referenced_blobs(parsed)
    assert "f" * 64 not in scan_blobs(data)
    assert scan_previous(data) == "9" * 64
    assert variants_by_blob(data) == {
        path["blob"]: (Variant.from_json(path["gzip"]) if "gzip" in path else None,
                       Variant.from_json(path["br"]) if "br" in path else None)
        for path in parsed["paths"].values()
    }
    manifest.previous = None
    assert scan_previous(manifest.encode()) is None


@given(st.dictionaries(st.text(), st.one_of(st.integers(), st.text(), st.none()), max_size=8))
def test_canonical_form_is_stable_under_reencoding(obj):
    data = canonical(obj)
    assert canonical(json.loads(data)) == data


def test_signature_verifies_only_for_the_exact_bytes_and_key():
    key = SigningKey.generate()
    public = signing.public_key_hex(key)
    data = _manifest().encode()
    sig = signing.sign(data, key)
    assert signing.verify(data, sig, public)

    flipped = bytearray(data)
    flipped[len(flipped) // 2] ^= 0x01
    assert not signing.verify(bytes(flipped), sig, public)
    assert not signing.verify(data, sig, signing.public_key_hex(SigningKey.generate()))
    assert not signing.verify(data, "zz" + sig[2:], public)  # not hex: a failure, not a crash
    assert not signing.verify(data, sig, "")
