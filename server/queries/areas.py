"""Administrative areas: point lookup, counts, and the staged upsert used by the loader."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.areas import LEVELS
from geo.crs import WGS84

# The lookup itself is the plpgsql function ``kendali_lookup`` (migration 0001): a function's
# plan is cached per connection, which saves the ~0.5 ms the planner otherwise spends on this
# query at every call. See the migration for the strategy.
_LOOKUP_SQL = (
    "SELECT * FROM kendali_lookup(CAST(:lats AS float8[]), CAST(:lons AS float8[]), :margin_m)"
)


@dataclass(frozen=True)
class AreaRef:
    """A code and name of one area."""

    code: str
    name: str

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name}


@dataclass(frozen=True)
class Placement:
    """Where a point lies: province, regency and district (None where not loaded)."""

    province: AreaRef | None
    regency: AreaRef | None
    district: AreaRef | None
    offshore_km: float | None

    def as_dict(self) -> dict:
        return {
            "province": self.province.as_dict() if self.province else None,
            "regency": self.regency.as_dict() if self.regency else None,
            "district": self.district.as_dict() if self.district else None,
            "offshore_km": self.offshore_km,
        }

    @property
    def finest_code(self) -> str | None:
        for ref in (self.district, self.regency, self.province):
            if ref:
                return ref.code
        return None


def _ref(code: str | None, name: str | None) -> AreaRef | None:
    return AreaRef(code, name) if code else None


def lookup_many(
    session: Session, points: Sequence[tuple[float, float]], margin_km: float = 25.0
) -> list[Placement | None]:
    """Place many (lat, lon) points in one round trip; None for a point outside Indonesia."""
    if not points:
        return []
    rows = session.execute(
        text(_LOOKUP_SQL),
        {
            "lats": [float(p[0]) for p in points],
            "lons": [float(p[1]) for p in points],
            "margin_m": margin_km * 1000.0,
        },
    ).mappings()
    out: list[Placement | None] = []
    for row in rows:
        if row["code"] is None:
            out.append(None)
            continue
        dist = row["dist_m"]
        out.append(
            Placement(
                province=_ref(row["province_code"], row["province_name"]),
                regency=_ref(row["regency_code"], row["regency_name"]),
                district=_ref(row["district_code"], row["district_name"]),
                offshore_km=round(dist / 1000.0, 2) if dist and dist > 0 else None,
            )
        )
    return out


def lookup(session: Session, lat: float, lon: float, margin_km: float = 25.0) -> Placement | None:
    """Place one point (see :func:`lookup_many`)."""
    return lookup_many(session, [(lat, lon)], margin_km)[0]


def counts_by_level(session: Session) -> dict[str, int]:
    rows = session.execute(text("SELECT level, count(*) FROM areas GROUP BY level")).all()
    found = dict(rows)
    return {level: int(found.get(level, 0)) for level in LEVELS}


def level_of(session: Session, code: str) -> str | None:
    """The level of the loaded area ``code`` (``province``, ``regency``, ``district``), or None."""
    return session.execute(text("SELECT level FROM areas WHERE code = :code"),
                           {"code": code}).scalar()


# -- loading --------------------------------------------------------------------------------

_STAGE_DDL = f"""
CREATE TEMP TABLE stage_areas (
    code varchar(16) PRIMARY KEY, level varchar(10), depth smallint, name text,
    parent_code varchar(16), province_code varchar(2), regency_code varchar(5),
    properties jsonb, geom geometry(MultiPolygon, {WGS84})
) ON COMMIT DROP
"""

_STAGE_INSERT = f"""
INSERT INTO stage_areas VALUES (:code, :level, :depth, :name, :parent_code, :province_code,
    :regency_code, CAST(:properties AS jsonb), ST_GeomFromWKB(decode(:wkb, 'hex'), {WGS84}))
"""

# Compare geometry by its bytes: exact, and cheap next to ST_Equals on coastlines.
_CHANGED = """
(a.name, a.level, a.parent_code, a.properties, ST_AsEWKB(a.geom))
    IS DISTINCT FROM (s.name, s.level, s.parent_code, s.properties, ST_AsEWKB(s.geom))
"""

_UPSERT = f"""
WITH changed AS (
    SELECT s.* FROM stage_areas s LEFT JOIN areas a ON a.code = s.code
     WHERE a.code IS NULL OR {_CHANGED}
)
INSERT INTO areas AS a (code, level, depth, name, parent_code, province_code, regency_code,
                        properties, geom, geom_simple, point, updated_at)
SELECT code, level, depth, name, parent_code, province_code, regency_code, properties, geom,
       ST_Multi(ST_CollectionExtract(ST_MakeValid(
           ST_SimplifyPreserveTopology(geom, :tolerance)), 3)),
       ST_PointOnSurface(geom), now()
  FROM changed
ON CONFLICT (code) DO UPDATE SET
    level = EXCLUDED.level, depth = EXCLUDED.depth, name = EXCLUDED.name,
    parent_code = EXCLUDED.parent_code, province_code = EXCLUDED.province_code,
    regency_code = EXCLUDED.regency_code, properties = EXCLUDED.properties,
    geom = EXCLUDED.geom, geom_simple = EXCLUDED.geom_simple, point = EXCLUDED.point,
    updated_at = now()
RETURNING a.code, (xmax = 0) AS inserted
"""

_PARTS = """
INSERT INTO area_parts (code, depth, geom)
SELECT a.code, a.depth, d.geom
  FROM areas a
 CROSS JOIN LATERAL ST_Subdivide(a.geom, 96) AS s(piece)
 CROSS JOIN LATERAL ST_Dump(s.piece) AS d
 WHERE a.code = ANY(:codes) AND ST_GeometryType(d.geom) = 'ST_Polygon'
"""


@dataclass
class UpsertResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def upsert_areas(session: Session, rows: Iterable[dict], tolerance: float) -> UpsertResult:
    """Stage ``rows`` and upsert them by code, touching only areas that changed.

    Runs inside the caller's transaction; the caller commits (or rolls back) the whole load.
    Each row: code, level, depth, name, parent_code, province_code, regency_code,
    properties (JSON text), wkb (hex).
    """
    session.execute(text(_STAGE_DDL))
    rows = list(rows)
    for start in range(0, len(rows), 500):
        session.execute(text(_STAGE_INSERT), rows[start : start + 500])
    changed = session.execute(text(_UPSERT), {"tolerance": tolerance}).all()
    codes = [code for code, _ in changed]
    if codes:
        session.execute(text("DELETE FROM area_parts WHERE code = ANY(:codes)"), {"codes": codes})
        session.execute(text(_PARTS), {"codes": codes})
    inserted = sum(1 for _, was_insert in changed if was_insert)
    return UpsertResult(inserted, len(codes) - inserted, len(rows) - len(codes))


def set_population(
    session: Session, values: dict[str, tuple[int | None, float | None]]
) -> set[str]:
    """Set population (and area in km², when given) by code; return the codes found."""
    if not values:
        return set()
    codes = list(values)
    found = session.execute(
        text(
            """
            UPDATE areas a SET population = v.population,
                   area_km2 = coalesce(v.area_km2, a.area_km2)
              FROM unnest(CAST(:codes AS text[]), CAST(:pops AS bigint[]),
                          CAST(:areas AS float8[])) AS v(code, population, area_km2)
             WHERE a.code = v.code
            RETURNING a.code
            """
        ),
        {
            "codes": codes,
            "pops": [values[c][0] for c in codes],
            "areas": [values[c][1] for c in codes],
        },
    ).scalars()
    return set(found)


def finalize(session: Session) -> None:
    """Derived facts, after any load: coastal regencies and estimated district population.

    Coastal: a regency within 1 km of the national outline's boundary (the union of the
    provinces), i.e. on the sea (land borders with neighbouring countries count too; they
    are short). District population: its regency's, shared by area (the population table
    has regencies only); marked ``population_estimated``.
    """
    session.execute(
        text(
            """
        WITH outline AS (
            SELECT ST_Boundary(ST_Union(geom_simple)) AS g FROM areas WHERE depth = 1
        )
        UPDATE areas a SET coastal = ST_DWithin(a.geom_simple::geography, o.g::geography, 1000)
          FROM outline o
         WHERE a.depth = 2 AND o.g IS NOT NULL
        """
        )
    )
    session.execute(
        text(
            """
        WITH shares AS (
            SELECT d.code, r.population * ST_Area(d.geom::geography)
                   / nullif(sum(ST_Area(d.geom::geography)) OVER (PARTITION BY r.code), 0) AS pop
              FROM areas d JOIN areas r ON r.code = d.parent_code
             WHERE d.depth = 3 AND r.population IS NOT NULL
        )
        UPDATE areas a SET population = round(s.pop)::bigint, population_estimated = true
          FROM shares s
         WHERE a.code = s.code AND (a.population IS NULL OR a.population_estimated)
           AND a.population IS DISTINCT FROM round(s.pop)::bigint
        """
        )
    )


def regency_outlines(session: Session, regency_code: str, digits: int = 5) -> list[tuple]:
    """(code, name, level, outline GeoJSON) of a regency and its districts, display geometry
    rounded to ``digits`` decimals (5: about a metre): the tablet's offline base map."""
    return session.execute(
        text(
            """
            SELECT code, name, level,
                   ST_AsGeoJSON(coalesce(geom_simple, geom), :digits)
              FROM areas
             WHERE code = :code OR parent_code = :code
             ORDER BY depth, code
            """
        ),
        {"code": regency_code, "digits": digits},
    ).all()


_SEARCH = """
SELECT a.code, a.name, a.level, r.name AS regency, p.name AS province
  FROM areas a
  LEFT JOIN areas r ON r.code = a.regency_code AND a.depth = 3
  JOIN areas p ON p.code = a.province_code
 WHERE a.depth = ANY(:depths) AND lower(a.name) LIKE '%' || :needle || '%' ESCAPE '!'
 ORDER BY (lower(a.name) = :plain) DESC, (lower(a.name) LIKE :needle || '%' ESCAPE '!') DESC,
          length(a.name), a.code
 LIMIT :limit
"""


def search(session: Session, text_query: str, depths: list[int], limit: int = 10) -> list[dict]:
    """Areas whose name contains ``text_query`` (case ignored): exact names first, then
    names starting with it, shorter first; each with its regency and province names."""
    plain = text_query.strip().lower()
    needle = plain.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    rows = session.execute(text(_SEARCH), {"depths": depths, "needle": needle, "plain": plain,
                                           "limit": limit}).mappings()
    return [dict(r) for r in rows]
