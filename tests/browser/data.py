"""Test data for the browser tests, made the way production makes it: complaints through the
intake API with a channel key, responders, incidents and quakes through the service layer."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import requests

from server.auth.scope import Principal
from tests.conftest import SHARED

BMKG = SHARED / "data" / "bmkg"
PALU = (-0.8987, 119.8707)  # Kota Palu, Sulawesi Tengah (72.71)
SIGI = (-1.3840, 119.9650)  # Kab. Sigi, Sulawesi Tengah (72.10)
BANDUNG = (-6.8915, 107.6107)  # Kota Bandung, Jawa Barat (32.73)
# A square around Kota Palu (72.71), inside Sulawesi Tengah.
PALU_SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[119.85, -0.92], [119.89, -0.92], [119.89, -0.88], [119.85, -0.88], [119.85, -0.92]]
    ],
}
OPERATOR = Principal(kind="user", role="operator", username="browser-test")


def _session(app):
    from server.extensions import db

    return db.session()


def channel_key(app, channel: str = "jaga_bansos") -> dict:
    from server.services import accounts

    with app.app_context():
        session = _session(app)
        _, key = accounts.create_key(session, "test", channel, f"browser {uuid.uuid4().hex[:6]}")
        session.close()
    return {"Authorization": f"Bearer {key}"}


def complaint(base: str, key: dict, point, description: str, **extra) -> dict:
    """Submit one complaint through the intake API; returns its answer (id, status, area)."""
    body = {
        "external_id": f"browser-{uuid.uuid4().hex[:10]}",
        "received_at": (datetime.now(UTC) - timedelta(minutes=30)).isoformat(),
        "category": "PKH",
        "description": description,
        "location": {"lat": point[0], "lon": point[1]} if point else {},
    }
    body.update(extra)
    res = requests.post(f"{base}/api/v1/complaints", json=body, headers=key, timeout=10)
    assert res.status_code == 201, res.text
    return {**res.json(), "external_id": body["external_id"]}


def responder(app, kind: str, name: str, lat: float, lon: float) -> int:
    from server.services import responders

    with app.app_context():
        session = _session(app)
        row = responders.create(
            session, "test", {"type": kind, "name": name, "base": {"lat": lat, "lon": lon}}
        )
        rid = row.id
        session.close()
    return rid


def incident(app, polygon=PALU_SQUARE, title="Banjir Palu (uji)") -> int:
    from server.services import incidents

    with app.app_context():
        session = _session(app)
        row = incidents.create_manual(session, OPERATOR, "flood", "moderate", title, polygon)
        iid = row.id
        session.close()
    return iid


def transition(app, dispatch_id: int, state: str) -> None:
    from server.services import dispatch

    with app.app_context():
        session = _session(app)
        dispatch.transition(session, OPERATOR, dispatch_id, state, None)
        session.close()


def ingest_feed_file(app, path: Path, keep=None) -> list[int]:
    """Parse a recorded BMKG file and ingest it (optionally only some of its sightings)."""
    from geo.bmkg import parse_feed
    from server.services import quakes

    parsed = parse_feed(path.read_bytes(), source_hint=path.name.split("_")[0])
    sightings = [s for s in parsed.sightings if keep is None or keep(s)]
    with app.app_context():
        session = _session(app)
        result = quakes.ingest(session, sightings)
        session.close()
    return result


def kendali(database_url: str, *args: str) -> str:
    """Run a `kendali` command on the test database (demo data)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENDALI_")}
    env.update(DATABASE_URL=database_url, KENDALI_SECRET_KEY="test")
    exe = str(Path(sys.executable).parent / "kendali")
    res = subprocess.run([exe, *args], env=env, capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout
