"""Bulk SQL for synthetic demo data."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.crs import WGS84


def districts_with_population(session: Session) -> list[tuple[str, int]]:
    return session.execute(text(
        "SELECT code, coalesce(population, 0) FROM areas WHERE depth = 3 ORDER BY code")).all()


def regencies_with_population(session: Session) -> list[tuple]:
    return session.execute(text(
        "SELECT code, coalesce(population, 0), ST_Y(point), ST_X(point) FROM areas "
        "WHERE depth = 2 ORDER BY code")).all()


def random_points_in_districts(session: Session, per_district: dict[str, int],
                               seed: int) -> dict[str, list[tuple[float, float]]]:
    """``n`` random points inside each district (``ST_GeneratePoints``, seeded)."""
    codes = [c for c, n in per_district.items() if n > 0]
    rows = session.execute(
        text(
            """
            SELECT a.code, ST_Y(p.geom), ST_X(p.geom)
              FROM areas a
              JOIN unnest(CAST(:codes AS text[]), CAST(:ns AS int[])) AS w(code, n)
                ON w.code = a.code
             CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(a.geom, w.n, :seed)) AS p
            """
        ),
        {"codes": codes, "ns": [per_district[c] for c in codes], "seed": seed},
    ).all()
    out: dict[str, list[tuple[float, float]]] = {}
    for code, lat, lon in rows:
        out.setdefault(code, []).append((lat, lon))
    # ST_GeneratePoints gives nothing for some slivers: use the area's own inner point there.
    short = [c for c in codes if len(out.get(c, [])) < per_district[c]]
    if short:
        points = session.execute(
            text("SELECT code, ST_Y(point), ST_X(point) FROM areas WHERE code = ANY(:c)"),
            {"c": short}).all()
        for code, lat, lon in points:
            have = out.setdefault(code, [])
            have.extend([(lat, lon)] * (per_district[code] - len(have)))
    return out


def replace_demo_responders(session: Session, prefix: str, records: list[dict]) -> None:
    """Remove earlier demo responders (and their dispatches) and insert ``records``."""
    session.execute(text(
        "DELETE FROM dispatches WHERE responder_id IN "
        "(SELECT id FROM responders WHERE external_ref LIKE :p)"), {"p": prefix + "%"})
    session.execute(text("DELETE FROM responders WHERE external_ref LIKE :p"),
                    {"p": prefix + "%"})
    stmt = text(
        f"""
        INSERT INTO responders (external_ref, type, name, phone, base, loc, province_code,
                                regency_code, district_code, availability, active)
        SELECT r.ref, r.type, r.name, r.phone, g.g, g.g, r.province, r.regency, r.district,
               'on_duty', true
          FROM (SELECT :ref AS ref, :type AS type, :name AS name, :phone AS phone,
                       :province AS province, :regency AS regency, :district AS district) r,
               LATERAL (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), {WGS84})::geography AS g) g
        """
    )
    for start in range(0, len(records), 2000):
        session.execute(stmt, records[start : start + 2000])
    session.execute(text("ANALYZE responders"))  # fresh statistics: KNN plans stay on the index
