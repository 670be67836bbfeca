"""Keyed hashing of personal identifiers, so that they can be compared but never read.

Duplicate detection asks "has this NIK or phone number complained before?" without storing
either in the clear: both are normalised (the same number written two ways must match) and
then hashed with HMAC-SHA256 under a secret key. Without the key, the 16-digit NIK space is
small enough to brute-force a plain hash in hours; with it, the hashes say nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import unicodedata
from typing import Any

_NIK = re.compile(r"[0-9]{16}")
_NON_DIGIT = re.compile(r"[^0-9]+")
# Village prefixes written in addresses: "Desa", "Ds.", "Kelurahan", "Kel.", "Kampung", ...
_VILLAGE_PREFIX = re.compile(r"^(?:desa|ds|kelurahan|kel|kampung|kp|nagari|gampong)(?![a-z])\.?\s*")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalize_nik(raw: str) -> str | None:
    """The NIK when ``raw`` is exactly 16 digits (surrounding blanks ignored), else None."""
    text = raw.strip()
    return text if _NIK.fullmatch(text) else None


def normalize_phone(raw: str) -> str | None:
    """An Indonesian phone number in international digits (``62812...``), or None.

    ``0812-3456-789``, ``+62 812 3456 789``, ``62812...`` and ``812...`` are one number.
    """
    digits = _NON_DIGIT.sub("", raw)
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    elif digits.startswith("8"):
        digits = "62" + digits
    if not 9 <= len(digits) <= 15:
        return None
    return digits


def normalize_village(name: str) -> str:
    """Case-folded village name without "Desa"/"Kel."-style prefixes or punctuation."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().strip()
    text = _VILLAGE_PREFIX.sub("", text)
    return " ".join(_NON_WORD.sub(" ", text).split())


def keyed_hash(key: bytes, kind: str, value: str) -> str:
    """HMAC-SHA256 (hex) of ``value`` under ``key``, separated by ``kind`` (nik, phone, ...)."""
    return hmac.new(key, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()


def village_key(key: bytes, area_code: str, village: str) -> str | None:
    """A keyed hash naming one village: its area's code plus its normalised name.

    Hashed, so a whistleblower's village never appears in the clear, yet complaints from
    the same village still compare equal.
    """
    name = normalize_village(village)
    if not name:
        return None
    return keyed_hash(key, "village", f"{area_code}/{name}")


def content_hash(key: bytes, content: dict[str, Any]) -> str:
    """A keyed fingerprint of a normalised submission (idempotent redelivery checks)."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return keyed_hash(key, "content", canonical)
