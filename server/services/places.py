"""The gazetteer of place names (districts, regencies, seat towns), cached per process."""

from __future__ import annotations

import csv
import logging
import threading
from pathlib import Path

from sqlalchemy.orm import Session

from geo.names import Gazetteer
from geo.names import Place
from geo.names import seat_places
from server.queries.places import gazetteer_key
from server.queries.places import gazetteer_rows

log = logging.getLogger(__name__)
_cache: dict[tuple, Gazetteer] = {}
_lock = threading.Lock()


def gazetteer(session: Session, seats_csv: str | None) -> Gazetteer:
    """Districts and regencies from the database plus the seat towns; built once per process
    (and again when the number of areas changes, e.g. after a load)."""
    # The key is one cheap aggregate: reading the 7,800 rows on every felt list cost 150 ms.
    key = (*gazetteer_key(session), seats_csv)
    with _lock:
        if key not in _cache:
            rows = gazetteer_rows(session)
            places = [Place.of(name, level, code, lat, lon) for code, level, name, lat, lon in rows]
            if seats_csv and Path(seats_csv).exists():
                with open(seats_csv, newline="", encoding="utf-8") as fh:
                    places += seat_places(csv.DictReader(fh))
            else:
                log.warning("seat towns not found (%s): districts and regencies only", seats_csv)
            _cache.clear()
            _cache[key] = Gazetteer(places)
        return _cache[key]
