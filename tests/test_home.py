import stat
from pathlib import Path

from nacl.signing import SigningKey

from altavoz.home import initialise, keys_dir, public_key_hex, read_secret_key


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_makes_private_keys(tmp_path: Path):
    initialise(tmp_path)
    keys = keys_dir(tmp_path)
    assert _mode(keys) == 0o700
    assert _mode(keys / "secret_key") == 0o600
    assert _mode(keys / "signing.key") == 0o600
    assert len(read_secret_key(tmp_path)) >= 50


def test_signing_key_matches_published_public_key(tmp_path: Path):
    initialise(tmp_path)
    seed = bytes.fromhex((keys_dir(tmp_path) / "signing.key").read_text())
    assert SigningKey(seed).verify_key.encode().hex() == public_key_hex(tmp_path)


def test_init_twice_keeps_the_keys(tmp_path: Path):
    initialise(tmp_path)
    before = read_secret_key(tmp_path), public_key_hex(tmp_path)
    assert initialise(tmp_path) == []
    assert (read_secret_key(tmp_path), public_key_hex(tmp_path)) == before
