"""Credentials: password hashes, bearer tokens, channel keys and one-time wall codes.

Only hashes are stored: a SHA-256 of tokens, keys and codes, Argon2id of passwords. Prefixes
(``kdt_``, ``kdl_<channel>_<8 hex>``) identify a leaked credential without revealing it.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError

from server.auth.scope import CHANNELS

USER_TOKEN_PREFIX = "kdt_"
CHANNEL_KEY_PREFIX = "kdl_"

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so both cases take the same time
    (made on first use: an Argon2 hash costs a quarter of a second at every start)."""
    return _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def bearer_credential(header: str | None) -> str | None:
    """The credential of an ``Authorization: Bearer …`` header, as authentication reads it:
    the scheme in any case, surrounding whitespace stripped (rate limits key on this too)."""
    if header and header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


_KEY_PREFIX = re.compile(rf"^({CHANNEL_KEY_PREFIX}(?:{'|'.join(CHANNELS)})_[0-9a-f]{{8}})_")


def channel_key_prefix(credential: str) -> str | None:
    """The public prefix of a channel key (``kdl_<channel>_<8 hex>``), or None."""
    found = _KEY_PREFIX.match(credential)
    return found.group(1) if found else None


def new_user_token() -> tuple[str, str, str]:
    """Return (token, public prefix, hash) for a bearer token or session."""
    token = USER_TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, token[:12], sha256(token)


def new_channel_key(channel: str) -> tuple[str, str, str]:
    """Return (key, prefix, hash). The prefix names the channel and 8 random characters,
    so a key found in a log or a paste can be identified and revoked."""
    prefix = f"{CHANNEL_KEY_PREFIX}{channel}_{secrets.token_hex(4)}"
    key = f"{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, sha256(key)


_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a screen


def new_wall_code() -> tuple[str, str]:
    """Return (code, hash) for a one-time wall code such as ``K7MQ2-XR4TD``."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))
    code = f"{raw[:5]}-{raw[5:]}"
    return code, sha256(normalize_wall_code(code))


def normalize_wall_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def generate_password() -> str:
    return secrets.token_urlsafe(15)




def token_ttl_hours(config, role: str) -> float:
    """Lifetime of a ``role``'s tokens: tablets work offline for long stretches."""
    return config["FIELD_TOKEN_TTL_HOURS"] if role == "field" else config["TOKEN_TTL_HOURS"]
