"""`altavoz verify`: an untouched export passes; every kind of tampering is named."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from nacl.signing import SigningKey

from altavoz.cli import main
from altavoz.editions import layout
from altavoz.editions.export import export
from altavoz.editions.verify import VerifyError, verify
from tests.editions.conftest import Edition, free_port

MIRROR = "https://mirror.example/altavoz/"
ARTICLE = "/es/article/asamblea-campesina/ (es/article/asamblea-campesina/index.html)"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["verify", *args])
    captured = capsys.readouterr()
    # rich wraps long lines to the terminal's width; the words are what matter.
    return code, captured.out, " ".join(captured.err.split())


def test_an_untouched_export_verifies(edition: Edition, exported: Path, capsys):
    report = verify(str(exported), edition.public_key)
    assert report.findings == []
    assert report.checked == report.identical > 20
    assert report.edition_id == edition.id
    code, out, _ = run(capsys, str(exported), "--key", edition.public_key)
    assert code == 0
    assert "OK" in out and edition.id in out


def test_one_changed_byte_is_named(edition: Edition, exported: Path, capsys):
    page = exported / "es/article/asamblea-campesina/index.html"
    data = bytearray(page.read_bytes())
    data[100] ^= 1
    page.write_bytes(bytes(data))
    code, out, _ = run(capsys, str(exported), "--key", edition.public_key)
    assert code == 1
    assert f"changed: {ARTICLE} — same size, different bytes" in out.splitlines()


def test_a_padded_file_is_changed(edition: Edition, exported: Path):
    with (exported / "robots.txt").open("ab") as handle:
        handle.write(b"Disallow: /\n" * 1000)
    [finding] = verify(str(exported), edition.public_key).findings
    assert finding.kind == "changed" and finding.where == "/robots.txt (robots.txt)"


def test_a_deleted_file_is_missing(edition: Edition, exported: Path, capsys):
    (exported / "es/page/2/index.html.gz").unlink()
    code, out, _ = run(capsys, str(exported), "--key", edition.public_key)
    assert code == 1
    assert "missing: /es/page/2/ (es/page/2/index.html.gz)" in out.splitlines()


def test_an_added_file_is_extra(edition: Edition, exported: Path, capsys):
    (exported / "es/article/falso").mkdir()
    (exported / "es/article/falso/index.html").write_text("<p>noticia falsa</p>")
    code, out, _ = run(capsys, str(exported), "--key", edition.public_key)
    assert code == 1
    assert "extra: es/article/falso/index.html" in out.splitlines()


def test_a_changed_redirect_page_or_public_key_is_named(edition: Edition, exported: Path):
    (exported / "index.html").write_text('<meta http-equiv="refresh" content="0; url=//evil">')
    (exported / layout.PUBLIC_KEY_FILE).write_text(SigningKey.generate().verify_key.encode().hex())
    found = {f.where for f in verify(str(exported), edition.public_key).findings}
    assert found == {"/ (index.html)", f"/{layout.PUBLIC_KEY_FILE} ({layout.PUBLIC_KEY_FILE})"}


def test_the_wrong_key_is_a_signature_failure(exported: Path, capsys):
    other = SigningKey.generate().verify_key.encode().hex()
    code, _, err = run(capsys, str(exported), "--key", other)
    assert code == 2
    assert "BAD SIGNATURE" in err


def test_a_tampered_manifest_is_a_signature_failure(edition: Edition, exported: Path, capsys):
    manifest = exported / layout.MANIFEST_FILE
    manifest.write_bytes(manifest.read_bytes().replace(b'"/es/page/2/"', b'"/es/page/3/"'))
    code, _, err = run(capsys, str(exported), "--key", edition.public_key)
    assert code == 2
    assert "BAD SIGNATURE" in err


def test_no_manifest_is_exit_2(edition: Edition, tmp_path: Path, capsys):
    code, _, err = run(capsys, str(tmp_path), "--key", edition.public_key)
    assert code == 2
    assert "no signed manifest" in err
    code, _, err = run(capsys, f"http://127.0.0.1:{free_port()}/", "--key", edition.public_key)
    assert code == 2
    assert "cannot read the manifest" in err


def test_key_from_a_file_and_malformed_keys(edition: Edition, exported: Path, tmp_path: Path,
                                            capsys):
    key_file = tmp_path / "signing.pub"
    key_file.write_text(edition.public_key + "\n")
    assert run(capsys, str(exported), "--key-file", str(key_file))[0] == 0
    code, _, err = run(capsys, str(exported), "--key", "not-hex")
    assert code == 2 and "64 hex digits" in err


def test_a_rewritten_export_verifies_and_says_for_what(edition: Edition, tmp_path: Path,
                                                       capsys):
    target = tmp_path / "mirror"
    export(edition.home, target, base_url=MIRROR)
    report = verify(str(target), edition.public_key)
    assert report.findings == []
    assert report.rewritten_for == MIRROR and report.rewritten >= 10
    code, out, _ = run(capsys, str(target), "--key", edition.public_key)
    assert code == 0
    assert f"rewritten for base URL {MIRROR}" in " ".join(out.split())
    assert run(capsys, str(target), "--key", edition.public_key, "--base-url", MIRROR)[0] == 0

    # The mirror's operator chose the base URL; whoever verifies can insist on one.
    code, out, _ = run(capsys, str(target), "--key", edition.public_key,
                       "--base-url", "https://other.example/")
    assert code == 1 and "expected https://other.example/" in out


@pytest.mark.parametrize("tamper", [
    # A link sent to another site, in a rewritten page.
    lambda data: data.replace(b"https://mirror.example/altavoz/es/", b"https://evil.example/es/"),
    # A link left pointing outside the mirror's prefix: undoing the rewrite would hide it.
    lambda data: data.replace(b'href="/altavoz/es/"', b'href="/es/"', 1),
    # Words changed.
    lambda data: data.replace(b"Asamblea", b"Asamblia"),
])
def test_tampering_with_a_rewritten_file_is_caught(edition: Edition, tmp_path: Path, tamper):
    target = tmp_path / "mirror"
    export(edition.home, target, base_url=MIRROR)
    page = target / "es/article/asamblea-campesina/index.html"
    data = page.read_bytes()
    assert tamper(data) != data
    page.write_bytes(tamper(data))
    [finding] = verify(str(target), edition.public_key).findings
    assert finding.kind == "changed" and finding.where == ARTICLE


def test_a_tampered_variant_of_a_rewritten_file_is_caught(edition: Edition, tmp_path: Path):
    target = tmp_path / "mirror"
    export(edition.home, target, base_url=MIRROR)
    variant = target / "es/index.html.gz"
    page = gzip.decompress(variant.read_bytes())
    variant.write_bytes(gzip.compress(page.replace(b"Portada", b"Portado")))
    [finding] = verify(str(target), edition.public_key).findings
    assert finding.where == "/es/ (es/index.html.gz)"
    (target / "es/index.html.br").write_bytes(b"not brotli")
    found = {f.where: f.detail for f in verify(str(target), edition.public_key).findings}
    assert found["/es/ (es/index.html.br)"] == "not a valid br stream"


def test_verify_refuses_what_is_neither_dir_nor_url(edition: Edition, tmp_path: Path):
    with pytest.raises(VerifyError, match="neither"):
        verify(str(tmp_path / "nowhere"), edition.public_key)


def test_a_rewritten_for_that_is_no_url_is_a_difference(edition: Edition, exported: Path):
    (exported / layout.REWRITTEN_FOR).write_text("<!DOCTYPE html><p>front page</p>")
    report = verify(str(exported), edition.public_key)
    assert report.rewritten_for is None
    assert [(f.kind, f.detail) for f in report.findings] == [
        ("changed", "does not hold a base URL")]
