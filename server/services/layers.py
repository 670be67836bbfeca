"""What each open-standards layer is called, who may see it, and its properties outside.

The SQL lives in :mod:`server.queries.layers`; this module names the collections, decides
which roles see the national-only ones, and shapes rows into properties. Complaints go
through :func:`server.services.complaints.present.properties`, the one place that decides
which complaint fields may leave the server, then flattened (spreadsheets and QGIS want
columns, not nested objects).
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from server.errors import NotFound
from server.queries.layers import LAYERS
from server.queries.layers import Layer
from server.services.complaints import present

#: Roles that may read any layer; ``field`` (tablets) and channel keys may not (403).
READERS = ("operator", "admin", "wall", "regional")
#: Layers only some roles see; for the others they do not exist (absent from the list, 404).
RESTRICTED = {"responders": ("operator", "admin")}

TITLES: dict[str, tuple[str, str]] = {
    "provinces": ("Provinsi (provinces)", "Provinces with Dukcapil 2024 population."),
    "regencies": ("Kabupaten/kota (regencies and cities)", "Regencies and cities with "
                  "population."),
    "districts": ("Kecamatan (districts)", "Districts; population estimated from the "
                  "regency's by area share where `population_estimated`."),
    "quakes": ("Gempa bumi (earthquakes)", "BMKG earthquakes as Kendali currently believes "
               "them (latest revision)."),
    "quake-contours": ("Kontur intensitas (intensity contours)", "Predicted MMI contours "
                       "of each quake (geodesic circles)."),
    "quake-areas": ("Wilayah terdampak (affected areas)", "Regencies and districts shaken "
                    "at or above the affected intensity, with intensity and population "
                    "exposed."),
    "incidents": ("Insiden (incidents)", "What needs people: a quake's impact or an "
                  "operator's polygon."),
    "complaints": ("Pengaduan (complaints)", "Complaints about social assistance. No "
                   "reporter data; whistleblower complaints at their district's point only."),
    "responders": ("Pendamping (responders)", "Field companions at their current or home "
                   "position (operators and admins only; no phone numbers)."),
    "dispatches": ("Penugasan (dispatches)", "Responders sent to incident areas, at the "
                   "area's point."),
}

_COMPLAINT_TIMES = ("received_at", "created_at", "updated_at", "verify_due", "follow_up_due")
COMPLAINT_FIELDS: tuple[tuple[str, str], ...] = (
    ("id", "int"), ("channel", "str"), ("external_id", "str"), ("category", "str"),
    ("status", "str"), ("received_at", "datetime"), ("created_at", "datetime"),
    ("updated_at", "datetime"), ("description", "str"), ("redacted", "str"),
    ("protected", "bool"), ("province_code", "str"), ("province_name", "str"),
    ("regency_code", "str"), ("regency_name", "str"), ("district_code", "str"),
    ("district_name", "str"), ("placement", "str"), ("assigned_to", "int"),
    ("assigned_unit", "str"),
    ("overdue", "bool"), ("verify_due", "datetime"), ("follow_up_due", "datetime"),
    ("possible_duplicate_of", "int"), ("duplicate_reason", "str"), ("primary_id", "int"),
)


def may_see(role: str | None, layer_id: str) -> bool:
    return layer_id in LAYERS and role in RESTRICTED.get(layer_id, READERS)


def visible(role: str | None) -> list[Layer]:
    return [layer for lid, layer in LAYERS.items() if may_see(role, lid)]


def layer_for(role: str | None, layer_id: str) -> Layer:
    """The layer, or 404 when it does not exist for this role."""
    if not may_see(role, layer_id):
        raise NotFound("no such collection")
    return LAYERS[layer_id]


def fields(layer: Layer) -> tuple[tuple[str, str], ...]:
    """(name, type) of the properties of ``layer`` as they leave the server."""
    if layer.id == "complaints":
        return COMPLAINT_FIELDS
    return tuple((c.name, c.type) for c in layer.columns)


def properties(layer: Layer, row: dict) -> dict:
    """Typed properties (datetimes stay datetimes; the writers format them)."""
    if layer.id != "complaints":
        return {c.name: row[c.name] for c in layer.columns}
    props = present.properties(row)
    area = props.pop("area")
    for level in ("province", "regency", "district"):
        ref = area.get(level) or {}
        props[f"{level}_code"] = ref.get("code")
        props[f"{level}_name"] = ref.get("name")
    props["redacted"] = ",".join(props["redacted"]) or None
    unit = props.pop("assigned_unit")
    props["assigned_unit"] = unit["name"] if unit else None
    for name in _COMPLAINT_TIMES:
        props[name] = row.get(name)
    return {name: props.get(name) for name, _ in COMPLAINT_FIELDS}


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with ``Z`` (what every open-standards output uses)."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def json_properties(layer: Layer, row: dict) -> dict:
    return {k: iso(v) if isinstance(v, datetime) else v
            for k, v in properties(layer, row).items()}
