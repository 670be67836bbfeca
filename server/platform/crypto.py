"""Encryption of protected complaint data, and the keys it and the identity hashes use.

A whistleblower's name, phone, NIK, exact point and any field marked identifying are
sealed with AES-256-GCM under ``WHISTLEBLOWER_KEY``, bound (as associated data) to the
complaint's channel and external id, so a sealed value copied onto another row does not
open. Nothing in Kendali opens it for an API, an event or a page: the identity never leaves
the server; opening is an offline, audited step outside the application.

Both keys come from configuration (base64 of 32 bytes). When unset, one is generated once
and kept in ``DATA_DIR`` with mode 600, like the secret key, so every process of one
installation uses the same keys. Losing ``whistleblower.key`` makes the sealed data
unreadable; losing ``identity_hash.key`` only stops new complaints matching old reporters.

The Web Push (VAPID) signing key is kept the same way (``vapid_private.pem``); losing it only
means every tablet subscribes again.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

KEY_BYTES = 32
NONCE_BYTES = 12
VERSION = b"\x01"

_KEYS = {"WHISTLEBLOWER_KEY": "whistleblower.key", "IDENTITY_HASH_KEY": "identity_hash.key"}


class KeyConfigError(RuntimeError):
    """A configured key that is not base64 of 32 bytes (named, never shown)."""


def _decode(name: str, value: str) -> bytes:
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise KeyConfigError(
            f"{name} must be base64 of {KEY_BYTES} bytes (e.g. `openssl rand -base64 32`)"
        )
    return raw


def _from_file(path: Path) -> str:
    """Read the key file, creating it (mode 600, exclusively) on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return path.read_text()
        with os.fdopen(fd, "w") as fh:
            fh.write(base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode() + "\n")
    return path.read_text()


def key(name: str) -> bytes:
    """The 32-byte key ``name`` (``WHISTLEBLOWER_KEY`` or ``IDENTITY_HASH_KEY``)."""
    cache = current_app.extensions.setdefault("kendali_keys", {})
    if name not in cache:
        value = current_app.config.get(name)
        if not value:
            value = _from_file(Path(current_app.config["DATA_DIR"]) / _KEYS[name])
        cache[name] = _decode(name, value)
    return cache[name]


def identity_key() -> bytes:
    """The HMAC key of reporter identifiers, villages and content fingerprints."""
    return key("IDENTITY_HASH_KEY")


def seal(values: dict, context: str) -> bytes:
    """Encrypt ``values`` (JSON) bound to ``context``: version, nonce, then ciphertext."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    plain = json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode()
    box = AESGCM(key("WHISTLEBLOWER_KEY"))
    return VERSION + nonce + box.encrypt(nonce, plain, context.encode())


def unseal(blob: bytes, context: str) -> dict:
    """Decrypt a :func:`seal` value (raises ``cryptography.exceptions.InvalidTag`` if tampered)."""
    if blob[:1] != VERSION:
        raise ValueError("unknown sealed format")
    nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    plain = AESGCM(key("WHISTLEBLOWER_KEY")).decrypt(nonce, body, context.encode())
    return json.loads(plain)


def context_of(channel: str, external_id: str) -> str:
    """The associated data binding a sealed value to its complaint."""
    return f"complaint:{channel}:{external_id}"


# -- Web Push (VAPID, RFC 8292) ----------------------------------------------------------------
VAPID_FILE = Path("vapid_private.pem")  # a file name, not an event name


def _vapid_from_config(value: str) -> ec.EllipticCurvePrivateKey:
    """A configured VAPID key: PEM, or base64url of the 32-byte private number."""
    text = value.strip()
    try:
        if text.startswith("-----BEGIN"):
            found = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            if len(raw) != KEY_BYTES:
                raise ValueError
            found = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    except (ValueError, TypeError, binascii.Error):
        found = None
    if not isinstance(found, ec.EllipticCurvePrivateKey) or found.curve.name != "secp256r1":
        raise KeyConfigError("VAPID_PRIVATE_KEY must be a P-256 private key: PEM, or base64url "
                             "of 32 bytes (e.g. `openssl ecparam -name prime256v1 -genkey`)")
    return found


def _vapid_from_file(path: Path) -> ec.EllipticCurvePrivateKey:
    """Read the key file, creating it (mode 600, exclusively) on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
    return _vapid_from_config(path.read_text())


def vapid_key() -> ec.EllipticCurvePrivateKey:
    """The VAPID signing key: configured, or generated once in ``DATA_DIR`` (every process of
    one installation signs with the same key, so browsers' subscriptions stay valid)."""
    cache = current_app.extensions.setdefault("kendali_keys", {})
    if "VAPID" not in cache:
        value = current_app.config.get("VAPID_PRIVATE_KEY")
        cache["VAPID"] = (_vapid_from_config(value) if value else
                          _vapid_from_file(Path(current_app.config["DATA_DIR"]) / VAPID_FILE))
    return cache["VAPID"]


def vapid_public_key() -> str:
    """The browser's ``applicationServerKey``: the uncompressed public point, base64url."""
    raw = vapid_key().public_key().public_bytes(serialization.Encoding.X962,
                                                serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
