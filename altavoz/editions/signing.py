"""Ed25519 signatures over manifest bytes, with the site key from the home.

Verification needs only the public key (hex), so mirrors' visitors, the edge
and `altavoz verify` can check an edition without anything else of ours.
"""

from __future__ import annotations

from pathlib import Path

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from altavoz.home import SIGNING_KEY_FILE, VERIFY_KEY_FILE, keys_dir


class SigningKeyError(Exception):
    """The home's keys are missing or do not belong together."""


def load_signing_key(home: Path) -> SigningKey:
    path = keys_dir(home) / SIGNING_KEY_FILE
    try:
        seed = bytes.fromhex(path.read_text().strip())
    except FileNotFoundError as exc:
        raise SigningKeyError(f"no signing key at {path}; run `altavoz init` first") from exc
    except ValueError as exc:
        raise SigningKeyError(f"{path} does not hold a hex Ed25519 seed") from exc
    key = SigningKey(seed)
    published = keys_dir(home) / VERIFY_KEY_FILE
    if published.exists() and published.read_text().strip() != public_key_hex(key):
        # Readers verify with signing.pub: signing with another key helps nobody.
        raise SigningKeyError(f"{published} is not the public key of {path}")
    return key


def public_key_hex(key: SigningKey) -> str:
    return key.verify_key.encode().hex()


def sign(manifest_bytes: bytes, key: SigningKey) -> str:
    return key.sign(manifest_bytes).signature.hex()


def verify(manifest_bytes: bytes, sig_hex: str, public_key_hex: str) -> bool:
    """True when `sig_hex` is the signature of exactly these bytes by this key.
    Malformed hex or keys count as a failed check, never as an exception."""
    try:
        VerifyKey(bytes.fromhex(public_key_hex.strip())).verify(
            manifest_bytes, bytes.fromhex(sig_hex.strip())
        )
    except (BadSignatureError, ValueError, TypeError):
        return False
    return True
