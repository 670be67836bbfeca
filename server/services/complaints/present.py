"""What a complaint looks like outside the server: intake answers, events, map features,
the detail view. The one place that decides which fields leave, so that a whistleblower's
identity and exact location cannot slip out through a forgotten property."""

from __future__ import annotations

from datetime import datetime

from geo import geojson

WHISTLEBLOWER = "whistleblower"
#: Roles that may read a (non-whistleblower) reporter on the detail view, in scope.
REPORTER_READERS = ("operator", "admin", "regional")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _ref(code: str | None, name: str | None) -> dict | None:
    return {"code": code, "name": name} if code else None


def area_of(row) -> dict:
    """``{"province", "regency", "district"}``, each ``{"code", "name"}`` or None."""
    return {
        "province": _ref(row["province_code"], row.get("province_name")),
        "regency": _ref(row["regency_code"], row.get("regency_name")),
        "district": _ref(row["district_code"], row.get("district_name")),
    }


def finest_code(row) -> str | None:
    """The deepest area code of a complaint (its event region), None when unplaced."""
    return row.get("district_code") or row.get("regency_code") or row.get("province_code")


def intake_body(row) -> dict:
    """The answer to a submission (201 new, 200 redelivered)."""
    return {
        "id": row["id"],
        "status": row["status"],
        "area": area_of(row),
        "possible_duplicate_of": row.get("possible_duplicate_of"),
    }


def _point(row) -> list[float] | None:
    if row.get("lon") is None or row.get("lat") is None:
        return None
    return [round(row["lon"], 6), round(row["lat"], 6)]


def event_payload(row) -> dict:
    """``complaint.*`` payload: status and area, never the reporter, text or address.

    ``point`` is the public geometry: for a whistleblower, the district's own point.
    """
    return {
        "id": row["id"],
        "channel": row["channel"],
        "category": row["category"],
        "status": row["status"],
        "received_at": _iso(row.get("received_at")),
        "area": {
            "province": row.get("province_code"),
            "regency": row.get("regency_code"),
            "district": row.get("district_code"),
        },
        "point": _point(row),
        "overdue": bool(row.get("overdue")),
        "possible_duplicate_of": row.get("possible_duplicate_of"),
        "primary_id": row.get("primary_id"),
        "assigned_to": row.get("assigned_to"),
    }


def properties(row) -> dict:
    """Map-feature properties, the same for every role (no reporter, no address)."""
    redacted = list(row.get("redacted") or [])
    return {
        "id": row["id"],
        "channel": row["channel"],
        "external_id": row["external_id"],
        "category": row["category"],
        "status": row["status"],
        "received_at": _iso(row["received_at"]),
        "created_at": _iso(row.get("created_at")),
        "updated_at": _iso(row.get("updated_at")),
        "description": None if "description" in redacted else row.get("description"),
        "redacted": redacted,
        "protected": row["channel"] == WHISTLEBLOWER,
        "area": area_of(row),
        "placement": row.get("placement"),
        "assigned_to": row.get("assigned_to"),
        "assigned_unit": ({"id": row["assigned_to"], "name": row.get("assigned_unit_name")}
                          if row.get("assigned_to") else None),
        "overdue": bool(row.get("overdue")),
        "verify_due": _iso(row.get("verify_due")),
        "follow_up_due": _iso(row.get("follow_up_due")),
        "possible_duplicate_of": row.get("possible_duplicate_of"),
        "duplicate_reason": row.get("duplicate_reason"),
        "primary_id": row.get("primary_id"),
    }


def feature(row) -> dict:
    """One complaint as a GeoJSON feature (geometry: the public point, or none)."""
    point = _point(row)
    geometry = geojson.point(point[0], point[1]) if point else None
    return geojson.feature(geometry, properties(row), row["id"])


def queue_feature(row) -> dict:
    """A feature of the unplaced queue: also what was written and how it matched."""
    out = feature(row)
    out["properties"].update(location=_location(row), match=row.get("match"))
    return out


def _location(row) -> dict | None:
    if row["channel"] == WHISTLEBLOWER:
        return None
    return row.get("location")


def actor_name(actor: str, people: dict) -> str | None:
    """A person's name for a ``user:<name>`` actor (display name, and unit when known);
    None for other actors (channel keys, the system, the command line: pages name those)."""
    kind, _, rest = (actor or "").partition(":")
    if kind != "user" or not rest:
        return None
    display, unit = people.get(rest, (None, None))
    name = display or rest
    return f"{name} ({unit})" if unit else name


def timeline_entry(entry, people: dict | None = None) -> dict:
    """One timeline entry: who (raw, and a readable name for accounts), when, what, note."""
    return {
        "at": _iso(entry["at"]),
        "actor": entry["actor"],
        "actor_name": actor_name(entry["actor"], people or {}),
        "action": entry["action"],
        "from": entry["from_status"],
        "to": entry["to_status"],
        "note": entry["note"],
        "details": entry["details"] or {},
    }


def detail(row, timeline: list, role: str | None, group: list[int],
           people: dict | None = None) -> dict:
    """The detail view: properties plus location, match, reporter (when allowed), timeline
    (``people``: ``username -> (display name, unit name)`` of its actors)."""
    props = properties(row)
    props.update(
        {
            "reason": row.get("reason"),
            "location": _location(row),
            "match": row.get("match"),
            "match_confidence": row.get("match_confidence"),
            "duplicate_score": row.get("duplicate_score"),
            "duplicate_decision": row.get("duplicate_decision"),
            "duplicates": group,
            "verified_at": _iso(row.get("verified_at")),
            "forwarded_at": _iso(row.get("forwarded_at")),
            "followed_up_at": _iso(row.get("followed_up_at")),
            "closed_at": _iso(row.get("closed_at")),
            "timeline": [timeline_entry(t, people) for t in timeline],
        }
    )
    if role in REPORTER_READERS and row["channel"] != WHISTLEBLOWER:
        props["reporter"] = row.get("reporter")
    point = _point(row)
    geometry = geojson.point(point[0], point[1]) if point else None
    return geojson.feature(geometry, props, row["id"])
