"""Synthetic but realistic demo data: allocation by population and Indonesian names (pure)."""

from __future__ import annotations

import random
from collections.abc import Sequence

FIRST_NAMES = (
    "Agus", "Budi", "Dewi", "Sri", "Siti", "Eko", "Joko", "Rina", "Andi", "Wahyu", "Nur",
    "Putu", "Made", "Komang", "Ketut", "Yohanes", "Maria", "Fransiskus", "Hendra", "Lestari",
    "Ahmad", "Muhammad", "Rudi", "Yuni", "Fitri", "Bambang", "Slamet", "Teguh", "Asep",
    "Ujang", "Dedi", "Nining", "Ratna", "Indah", "Ayu", "Rahmat", "Hasan", "Irwan", "Rizky",
    "Dian", "Novi", "Bayu", "Gita", "La Ode", "Wa Ode", "Daeng", "Yosef", "Markus", "Theresia",
)
LAST_NAMES = (
    "Santoso", "Wijaya", "Saputra", "Hidayat", "Pratama", "Siregar", "Nasution", "Harahap",
    "Simanjuntak", "Sinaga", "Lubis", "Kurniawan", "Setiawan", "Gunawan", "Susanto", "Rahman",
    "Hakim", "Tanjung", "Lestari", "Wulandari", "Pangaribuan", "Manurung", "Rumbiak", "Wenda",
    "Kogoya", "Tamba", "Laia", "Zebua", "Latuconsina", "Pattimura", "Sopacua", "Rumagesan",
    "Mamonto", "Lumowa", "Sumampouw", "Bakri", "Daulay", "Batubara", "Pohan", "Hutapea",
)


def allocate(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` over ``weights`` in proportion (largest remainder; sums exactly)."""
    if total <= 0 or not weights:
        return [0] * len(weights)
    mass = sum(weights) or 1.0
    raw = [total * w / mass for w in weights]
    out = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def phone(rng: random.Random) -> str:
    return "+628" + "".join(str(rng.randint(0, 9)) for _ in range(10))


def split_roster(count: int, districts: int, tagana_share: float = 0.4) -> tuple[int, int]:
    """(TKSK, Tagana) counts: the same share of Tagana at any size, so a small demo roster
    has both kinds ("one Tagana and one TKSK first" can be seen). TKSK cover the most
    populous districts first and every district once there are enough of them
    (``districts`` is kept for that reading; the split itself does not depend on it)."""
    tagana = round(count * tagana_share) if count > 1 else 0
    return count - tagana, tagana
