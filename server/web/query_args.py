"""Query-string arguments shared by the read APIs.

Each parser reads one argument of the current request. A missing or empty argument gives the
default; a bad one is recorded under its name in ``fields`` (the view then answers one 400
that names every bad argument) and gives the default too, so parsing goes on.
"""

from __future__ import annotations

import math
from datetime import UTC
from datetime import datetime

from flask import request

from geo.areas import AreaCodeError
from geo.areas import normalize_code
from geo.bbox import BBoxError
from geo.bbox import Box
from geo.bbox import parse_bbox

AREA_PROBLEM = "a province, regency or district code (72, 72.71, 72.71.01)"


def time_arg(name: str, fields: dict) -> datetime | None:
    """An ISO 8601 date or time; without a zone it is taken as UTC."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        fields[name] = "ISO 8601 date or time"
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def bbox_arg(fields: dict, name: str = "bbox") -> Box | None:
    """``minLon,minLat,maxLon,maxLat`` in degrees, finite, non-empty, within WGS 84."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return parse_bbox(raw)
    except BBoxError as exc:
        fields[name] = str(exc)
        return None


def number_arg(name: str, fields: dict, kind=float):
    """A finite number, or (``kind=int``) an identifier from 1 to 2**62."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = kind(raw)
    except ValueError:
        fields[name] = "a number" if kind is float else "an integer"
        return None
    if kind is float and not math.isfinite(value) or kind is int and not 0 < value < 2**62:
        fields[name] = "out of range"
        return None
    return value


def int_arg(name: str, default: int, low: int, high: int, fields: dict) -> int:
    """An integer from ``low`` to ``high``."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        fields[name] = "an integer"
        return default
    if not low <= value <= high:
        fields[name] = f"between {low} and {high}"
        return default
    return value


def area_arg(fields: dict, name: str = "area") -> str | None:
    """A province, regency or district code, normalised (``7271`` -> ``72.71``)."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return normalize_code(raw)
    except AreaCodeError:
        fields[name] = AREA_PROBLEM
        return None
