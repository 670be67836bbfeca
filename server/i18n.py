"""Interface text: Bahasa Indonesia by default, English on request (``?lang=en``, cookie)."""

from __future__ import annotations

from flask import g
from flask import request

LANGUAGES = ("id", "en")

TEXT: dict[str, dict[str, str]] = {
    "app_name": {"id": "Kendali — Pusat Kendali Kemensos", "en": "Kendali — MoSA Command Center"},
    "login_title": {"id": "Masuk", "en": "Sign in"},
    "username": {"id": "Nama pengguna", "en": "Username"},
    "password": {"id": "Kata sandi", "en": "Password"},
    "login_button": {"id": "Masuk", "en": "Sign in"},
    "logout_button": {"id": "Keluar", "en": "Sign out"},
    "login_failed": {
        "id": "Nama pengguna atau kata sandi salah.",
        "en": "Wrong username or password.",
    },
    "login_locked": {
        "id": "Akun dikunci sementara karena terlalu banyak percobaan gagal.",
        "en": "Account locked for a while after too many failed attempts.",
    },
    "too_many": {
        "id": "Terlalu banyak percobaan. Coba lagi nanti.",
        "en": "Too many attempts. Try again later.",
    },
    "wall_code_invalid": {
        "id": "Kode layar tidak berlaku atau sudah dipakai.",
        "en": "This screen code is invalid or already used.",
    },
    "forbidden": {
        "id": "Akun ini tidak boleh membuka halaman ini.",
        "en": "This account may not open this page.",
    },
    "signed_in_as": {"id": "Masuk sebagai", "en": "Signed in as"},
    "language": {"id": "English", "en": "Bahasa Indonesia"},
    "wall_title": {"id": "Dinding Video", "en": "Video Wall"},
    "office_title": {"id": "Kantor Wilayah", "en": "Regional Office"},
    "field_title": {"id": "Tablet Lapangan", "en": "Field Tablet"},
}


def language() -> str:
    if "lang" not in g:
        chosen = request.args.get("lang") or request.cookies.get("lang")
        if chosen not in LANGUAGES:
            chosen = "id"
        g.lang = chosen
    return g.lang


def t(key: str) -> str:
    """The text for ``key`` in the viewer's language (Indonesian first)."""
    entry = TEXT.get(key)
    if entry is None:
        return key
    return entry.get(language()) or entry["id"]
