"""Recorded BMKG lists played again as if they were happening now (the demo's feed).

A recorded TEWS list (``gempaterkini``, ``gempadirasakan``) is re-timed around one of its
quakes, the *anchor*: the anchor happens at ``start``; what came after it keeps its distance
in time divided by ``speed`` (aftershocks two hours later arrive twelve minutes later at 10×);
what came before keeps its real distance, so the past stays the past (days old: backfilled,
never paged). At any moment the list shows only what has happened by then, newest first,
and ``autogempa`` the newest of all: a demo sees the mainshock first, then its aftershocks
come in one by one. Only the time fields move (``DateTime``, ``Tanggal``, ``Jam`` in WIB,
``Shakemap`` by local time); places, magnitudes and felt lists are BMKG's own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone

from geo.bmkg import _BULAN

WIB = timezone(timedelta(hours=7))


@dataclass(frozen=True)
class Played:
    """A recorded record and the moment it happens in the replay."""

    at: datetime
    record: dict


def _origin(record: dict) -> datetime:
    return datetime.fromisoformat(record["DateTime"]).astimezone(UTC)


def retime(records: list[dict], anchor: dict, start: datetime, speed: float = 1.0
           ) -> list[Played]:
    """Each record at its replay moment, ``anchor`` at ``start`` (UTC), oldest first."""
    zero = _origin(anchor)
    played = []
    for r in records:
        gap = _origin(r) - zero
        played.append(Played(start + (gap / speed if gap > timedelta(0) else gap), r))
    return sorted(played, key=lambda p: p.at)


def record_at(record: dict, moment: datetime) -> dict:
    """``record`` with its time fields set to ``moment`` (aware)."""
    local = moment.astimezone(WIB)
    out = dict(record)
    out["DateTime"] = moment.astimezone(UTC).isoformat(timespec="seconds")
    out["Tanggal"] = f"{local.day:02d} {_BULAN[local.month - 1]} {local.year}"
    out["Jam"] = local.strftime("%H:%M:%S WIB")
    if "Shakemap" in out:
        out["Shakemap"] = local.strftime("%Y%m%d%H%M%S.mmi.jpg")
    return out


def released(played: list[Played], now: datetime, limit: int = 15) -> list[dict]:
    """What the list shows at ``now``: released records, re-timed, newest first."""
    shown = [record_at(p.record, p.at) for p in played if p.at <= now]
    return list(reversed(shown))[:limit]


def tews_list(records: list[dict]) -> bytes:
    """A ``gempaterkini`` / ``gempadirasakan`` JSON body."""
    return json.dumps({"Infogempa": {"gempa": records}}, ensure_ascii=False).encode()


def tews_latest(records: list[dict]) -> bytes | None:
    """An ``autogempa`` JSON body: the newest record as an object; None before the first."""
    if not records:
        return None
    return json.dumps({"Infogempa": {"gempa": records[0]}}, ensure_ascii=False).encode()
