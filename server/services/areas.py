"""Loading administrative boundaries and population.

One load is one transaction: a broken file raises :class:`AreaLoadError` with a one-line
reason before anything is written, and a failure while writing rolls the whole load back.
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from sqlalchemy.orm import Session

from geo.areas import LEVEL_DEPTH
from geo.areas import AreaCodeError
from geo.areas import level_of
from geo.areas import normalize_code
from geo.areas import parent_of
from geo.areas import to_multipolygon
from geo.crs import WGS84
from server.queries import areas as q
from server.services import units

#: Display simplification tolerance in degrees per level (~1 km, 500 m, 200 m).
SIMPLIFY_TOLERANCE = {"province": 0.01, "regency": 0.005, "district": 0.002}

#: The files of ../shared/data/boundaries, in load order, with their level.
BOUNDARY_FILES = (
    ("id_provinsi_38.geojson", "province"),
    ("id_kabupaten_kota_514.geojson", "regency"),
    ("id_kecamatan_7285.geojson", "district"),
)
POPULATION_FILE = "kemendagri_penduduk_luas_2024.csv"


class AreaLoadError(RuntimeError):
    """A boundary or population file cannot be loaded; the message is one line."""


@dataclass
class LoadReport:
    """What a boundary load did."""

    level: str | None
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    repaired: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        return self.inserted + self.updated + self.unchanged

    def summary(self) -> str:
        text = (
            f"loaded {self.loaded} {self.level or 'area'} features "
            f"({self.inserted} new, {self.updated} updated, {self.unchanged} unchanged), "
            f"repaired {self.repaired}, skipped {len(self.skipped)}"
        )
        return text


def _read_frame(path: Path):
    import geopandas as gpd

    if not path.exists():
        raise AreaLoadError(f"{path}: no such file")
    source = str(path)
    if path.suffix.lower() == ".zip":
        source = f"zip://{path}"
    try:
        frame = gpd.read_file(source)
    except Exception as exc:  # pyogrio raises many types; all mean "cannot read"
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise AreaLoadError(
            f"{path}: cannot read as GeoJSON, Shapefile or GeoPackage: {reason}"
        ) from None
    if frame.crs is None:
        raise AreaLoadError(
            f"{path}: the coordinate reference system cannot be read (missing or unknown .prj)"
        )
    try:
        if frame.crs.to_epsg() != WGS84:
            frame = frame.to_crs(WGS84)
    except Exception as exc:
        raise AreaLoadError(
            f"{path}: cannot reproject from {frame.crs} to EPSG:{WGS84}: {exc}"
        ) from None
    return frame


def _check_fields(path: Path, frame, fields: dict[str, str | None]) -> None:
    columns = [c for c in frame.columns if c != frame.geometry.name]
    for option, name in fields.items():
        if name is not None and name not in columns:
            raise AreaLoadError(
                f"{path}: unknown field '{name}' for {option}; fields are: {', '.join(columns)}"
            )


def _prepare(frame, level, code_field, name_field, parent_field, report, progress):
    rows = []
    geom_col = frame.geometry.name
    keep = [c for c in frame.columns if c not in (geom_col, code_field, name_field)]
    for record in progress(frame.to_dict("records")):
        report.read += 1
        raw_code = record.get(code_field)
        try:
            code = normalize_code(raw_code)
        except AreaCodeError as exc:
            report.skipped.append((str(raw_code), str(exc)))
            continue
        feature_level = level_of(code)
        if level and feature_level != level:
            report.skipped.append((code, f"code is a {feature_level} code, not a {level} code"))
            continue
        name = str(record.get(name_field) or "").strip()
        if not name:
            report.skipped.append((code, f"empty name in '{name_field}'"))
            continue
        fixed = to_multipolygon(record.get(geom_col))
        if fixed.geometry is None:
            report.skipped.append((code, fixed.reason or "no polygon"))
            continue
        report.repaired += int(fixed.repaired)
        parent = parent_of(code)
        if parent_field and record.get(parent_field) not in (None, ""):
            try:
                parent = normalize_code(record[parent_field])
            except AreaCodeError as exc:
                report.skipped.append((code, f"bad parent: {exc}"))
                continue
        props = {k: _jsonable(record[k]) for k in keep if k != parent_field}
        rows.append(
            {
                "code": code,
                "level": feature_level,
                "depth": LEVEL_DEPTH[feature_level],
                "name": name,
                "parent_code": parent,
                "province_code": code[:2],
                "regency_code": code[:5] if len(code) >= 5 else None,
                "properties": json.dumps(props, sort_keys=True, ensure_ascii=False),
                "wkb": fixed.geometry.wkb_hex,
            }
        )
    return rows


def _jsonable(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def load_areas(
    session: Session,
    path: str | os.PathLike,
    *,
    level: str | None = None,
    code_field: str = "kode",
    name_field: str = "nama",
    parent_field: str | None = None,
    progress: Callable[[Iterable], Iterable] = lambda items: items,
) -> LoadReport:
    """Read a boundary file and upsert its areas by code, all in one transaction."""
    path = Path(path)
    frame = _read_frame(path)
    _check_fields(
        path,
        frame,
        {"--code-field": code_field, "--name-field": name_field, "--parent-field": parent_field},
    )
    geoms = frame.geometry
    if not geoms.notna().any() or not geoms.geom_type.isin(["Polygon", "MultiPolygon"]).any():
        raise AreaLoadError(f"{path}: no polygon features (found {len(frame)} features)")
    report = LoadReport(level)
    rows = _prepare(frame, level, code_field, name_field, parent_field, report, progress)
    if not rows:
        raise AreaLoadError(f"{path}: no loadable features ({len(report.skipped)} skipped)")
    if report.level is None:
        found = {r["level"] for r in rows}
        report.level = found.pop() if len(found) == 1 else None
    try:
        levels = {r["level"] for r in rows}
        tolerance = min(SIMPLIFY_TOLERANCE[lv] for lv in levels)
        result = q.upsert_areas(session, rows, tolerance)
        session.commit()
    except Exception:
        session.rollback()
        raise
    report.inserted, report.updated, report.unchanged = (
        result.inserted,
        result.updated,
        result.unchanged,
    )
    return report


@dataclass
class PopulationReport:
    matched: int
    unmatched: list[str]
    rows: int


def load_population(
    session: Session,
    path: str | os.PathLike,
    *,
    code_field: str = "kode",
    population_field: str = "penduduk_total",
    area_field: str | None = "luas_km2",
) -> PopulationReport:
    """Join population (and area) by code from a CSV; report codes that matched no area."""
    path = Path(path)
    if not path.exists():
        raise AreaLoadError(f"{path}: no such file")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        for option, name in (
            ("--code-field", code_field),
            ("--population-field", population_field),
        ):
            if name not in header:
                raise AreaLoadError(
                    f"{path}: unknown field '{name}' for {option}; fields are: {', '.join(header)}"
                )
        values: dict[str, tuple[int | None, float | None]] = {}
        unmatched: list[str] = []
        count = 0
        for lineno, row in enumerate(reader, start=2):
            count += 1
            raw = (row.get(code_field) or "").strip()
            try:
                code = normalize_code(raw)
            except AreaCodeError:
                unmatched.append(raw)
                continue
            try:
                pop = int(float(row[population_field])) if row[population_field] else None
            except ValueError:
                raise AreaLoadError(
                    f"{path}:{lineno}: population '{row[population_field]}' is not a number"
                ) from None
            area = None
            if area_field and area_field in header and row.get(area_field):
                try:
                    area = float(row[area_field])
                except ValueError:
                    area = None
            values[code] = (pop, area)
    try:
        found = q.set_population(session, values)
        session.commit()
    except Exception:
        session.rollback()
        raise
    unmatched.extend(sorted(set(values) - found))
    return PopulationReport(len(found), unmatched, count)


def boundary_files(folder: str | os.PathLike) -> list[tuple[Path, str]]:
    """Return the shared boundary files in ``folder`` with their level; raise if any is missing."""
    folder = Path(folder)
    files = [(folder / name, level) for name, level in BOUNDARY_FILES]
    missing = [str(p) for p, _ in files if not p.exists()]
    if missing:
        raise AreaLoadError(
            "boundary files not found: "
            + ", ".join(missing)
            + " (set KENDALI_BOUNDARIES_DIR to the folder holding "
            + ", ".join(n for n, _ in BOUNDARY_FILES)
            + f" and {POPULATION_FILE},"
            + " or load them with `kendali areas load PATH --level …`)"
        )
    return files


def bootstrap(
    database,
    folder: str | os.PathLike,
    *,
    if_empty: bool = False,
    progress: Callable[[str], Callable[[Iterable], Iterable]] | None = None,
):
    """Load the three shared boundary levels and population; yield one line per step.

    With ``if_empty`` nothing is done when every level already has areas, so a second
    ``./scripts/serve`` starts in seconds.
    """
    with database.session() as session:
        counts = q.counts_by_level(session)
        if if_empty and all(counts.values()):
            yield "areas already loaded: " + ", ".join(f"{v} {k}" for k, v in counts.items())
            return
        files = boundary_files(folder)
        for path, level in files:
            bar = progress(f"{level:>9}") if progress else (lambda items: items)
            report = load_areas(session, path, level=level, progress=bar)
            yield report.summary()
        pop_path = Path(folder) / POPULATION_FILE
        if pop_path.exists():
            pop = load_population(session, pop_path)
            yield (
                f"population set for {pop.matched} areas; "
                f"unmatched codes: {', '.join(pop.unmatched) or 'none'}"
            )
        else:
            yield f"no population file ({pop_path}); exposure figures need it"
        finalize(session)
        yield "coastal regencies and district population estimates updated"
        added = units.seed(session, "system:bootstrap")
        yield f"work units: {added} added (directorates general, a social office per area)"


def finalize(session: Session) -> None:
    """Recompute derived area facts (coastal flag, district population) in one transaction."""
    try:
        q.finalize(session)
        session.commit()
    except Exception:
        session.rollback()
        raise
