"""``kendali demo responders``: a synthetic roster placed like the population.

TKSK workers: at least one in every district (at a random point inside it), the rest in
proportion to district population. Tagana volunteers: in proportion to regency population,
clustered around the regency seat towns (``../shared/data/other``), a few km out.
"""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

from sqlalchemy.orm import Session

from geo import demo
from server.queries import areas as area_queries
from server.queries import demo as q

DEMO_PREFIX = "demo-"


def _seats(path: str | None) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    if path and Path(path).exists():
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                code = (row.get("derived_kode_kabkota") or "").lstrip("~")
                if code and code not in out:
                    out[code] = (float(row["lat"]), float(row["lon"]))
    return out


def generate(session: Session, count: int, seats_csv: str | None, seed: int = 1,
             progress=lambda items: items) -> dict[str, int]:
    """Replace the demo roster with ``count`` responders; return counts by type."""
    rng = random.Random(seed)
    districts = q.districts_with_population(session)  # (code, population)
    regencies = q.regencies_with_population(session)  # (code, population, lat, lon)
    tksk_n, tagana_n = demo.split_roster(count, len(districts))
    by_pop = sorted(districts, key=lambda d: -(d[1] or 0))
    base = [1] * min(len(districts), tksk_n)
    extra = demo.allocate(tksk_n - len(base), [d[1] or 0 for d in by_pop])
    per_district = {by_pop[i][0]: (base[i] if i < len(base) else 0) + extra[i]
                    for i in range(len(by_pop))}
    points = q.random_points_in_districts(session, per_district, seed)  # code -> [(lat, lon)]
    rows = []
    for code, pts in points.items():
        for lat, lon in pts:
            rows.append(("tksk", lat, lon, code))
    seats = _seats(seats_csv)
    tagana_per = demo.allocate(tagana_n, [r[1] or 0 for r in regencies])
    for (code, _pop, plat, plon), n in zip(regencies, tagana_per, strict=True):
        slat, slon = seats.get(code, (plat, plon))
        for _ in range(n):
            d_km, angle = abs(rng.gauss(0, 6)), rng.uniform(0, 2 * math.pi)
            lat = slat + d_km / 110.57 * math.cos(angle)
            lon = slon + d_km / (111.32 * math.cos(math.radians(slat))) * math.sin(angle)
            rows.append(("tagana", lat, lon, (slat, slon)))
    placements = area_queries.lookup_many(session, [(r[1], r[2]) for r in rows])
    # An offset that fell in the sea (or a lake) puts the volunteer at the seat town itself.
    lost = [i for i, p in enumerate(placements)
            if rows[i][0] == "tagana" and (p is None or p.district is None)]
    for i, place in zip(lost, area_queries.lookup_many(session, [rows[i][3] for i in lost]),
                        strict=True):
        rows[i] = (rows[i][0], *rows[i][3], rows[i][3])
        placements[i] = place
    records = []
    for i, (row, place) in enumerate(progress(list(zip(rows, placements, strict=True)))):
        kind, lat, lon, home = row
        # TKSK points were drawn inside their district: that is their home, whatever the
        # lookup says on a shared border.
        district = home if kind == "tksk" else (place.district.code if place and place.district
                                                else None)
        if district is None:
            continue
        records.append({
            "ref": f"{DEMO_PREFIX}{i}", "type": kind, "name": demo.person_name(rng),
            "phone": demo.phone(rng), "lat": lat, "lon": lon,
            "province": district[:2], "regency": district[:5], "district": district,
        })
    q.replace_demo_responders(session, DEMO_PREFIX, records)
    session.commit()
    counts: dict[str, int] = {}
    for r in records:
        counts[r["type"]] = counts.get(r["type"], 0) + 1
    return counts
