"""Seeded data for the open-standards tests (OGC API, exports, CAP): one real BMKG quake,
complaints of three channels (one whistleblower), responders and a dispatched incident."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from geo.bmkg import parse_feed
from tests.conftest import SHARED
from tests.helpers import FLORES_NOW
from tests.helpers import app_at
from tests.helpers import bearer
from tests.helpers import token_for
from tests.server.complaints_support import BANDUNG
from tests.server.complaints_support import PALU
from tests.server.complaints_support import complaint

BMKG = SHARED / "data" / "bmkg"
FLORES_FEED = BMKG / "gempaterkini" / "gempaterkini_2021-12-14.json"
# A whistleblower's exact point (Palu Timur): its digits must never leave the server.
SECRET_POINT = (-0.8963821, 119.8793521)
SECRET_NEEDLES = ("0.89638", "119.87935")
REPORTER = {"name": "Rahasia Pelapor Opendata", "phone": "0813-5555-0199",
            "nik": "7271015555019900"}
# Around Kota Palu (72.71).
PALU_SQUARE = {"type": "Polygon", "coordinates": [[[119.85, -0.92], [119.89, -0.92],
                                                   [119.89, -0.88], [119.85, -0.88],
                                                   [119.85, -0.92]]]}


@dataclass
class Seeded:
    flores_id: int
    incident_id: int
    complaint_ids: dict
    responder_ids: list


def rows(engine, sql: str, **params) -> list:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).all()


def _ingest(app, path) -> None:
    from server.extensions import db
    from server.services import quakes as svc

    with app.app_context():
        session = db.session()
        try:
            svc.ingest(session, parse_feed(path.read_bytes()).sightings)
        finally:
            session.close()


def _key(app, channel: str) -> dict:
    from server.extensions import db
    from server.services import accounts

    with app.app_context():
        session = db.session()
        _, key = accounts.create_key(session, "test", channel, f"od {uuid.uuid4().hex[:6]}")
        session.close()
    return {"Authorization": f"Bearer {key}"}


def _responders_and_incident(app) -> tuple[list, int]:
    from server.auth.scope import Principal
    from server.extensions import db
    from server.services import incidents
    from server.services import responders

    with app.app_context():
        session = db.session()
        ids = [responders.create(session, "test", {
            "type": kind, "name": f"{kind} {i}", "phone": "0812-0000-000" + str(i),
            "base": {"lat": lat, "lon": lon}}).id
            for i, (kind, lat, lon) in enumerate([("tagana", -0.90, 119.87),
                                                  ("tksk", -0.95, 119.90),
                                                  ("tagana", -6.90, 107.61)])]
        row = incidents.create_manual(session, Principal(kind="user", role="operator",
                                                         username="op"),
                                      "flood", "severe", "Banjir =uji Palu", PALU_SQUARE)
        iid = row.id
        session.close()
    return ids, iid


@pytest.fixture(scope="module", name="seeded")
def seeded_fixture(app, engine) -> Seeded:
    """A clean slate, then the seeded data (committed: the live server sees it too). Tests
    using it only read, so it is made once per module."""
    client = app.test_client()
    with engine.begin() as conn:
        conn.execute(sa.text(
            "TRUNCATE quakes, complaints, complaint_timeline, complaint_counts, "
            "complaint_count_deltas, responders, incidents, dispatches, "
            "notification_deliveries, responder_positions CASCADE"))
    _ingest(app_at(app.config["DATABASE_URL"], FLORES_NOW), FLORES_FEED)
    (flores,) = rows(engine, "SELECT id FROM quakes WHERE magnitude = 7.4 AND origin_time "
                             "BETWEEN '2021-12-14 03:20Z' AND '2021-12-14 03:21Z'")[0]
    ids = {}
    for name, channel, body in (
        ("palu", "jaga_bansos", complaint(PALU, description="=HYPERLINK(\"http://x\")")),
        ("bandung", "sp4n_lapor", complaint(BANDUNG)),
        ("whistle", "whistleblower", complaint(None, location={
            "lat": SECRET_POINT[0], "lon": SECRET_POINT[1], "village": "Kampung Rahasia"},
            reporter=REPORTER, description="Penimbunan beras", identifying=["description"])),
    ):
        res = client.post("/api/v1/complaints", json=body, headers=_key(app, channel))
        assert res.status_code == 201, res.json
        ids[name] = res.json["id"]
    responder_ids, incident_id = _responders_and_incident(app)
    return Seeded(flores, incident_id, ids, responder_ids)


@pytest.fixture(name="tokens")
def tokens_fixture(live, accounts) -> dict:
    """Bearer headers on the live server: operator, admin, regional 72 (Sulawesi Tengah) and
    53 (Nusa Tenggara Timur), regional 32.73 (Kota Bandung), field."""
    out = {}
    for label, role, region, rid in (("operator", "operator", None, None),
                                     ("admin", "admin", None, None),
                                     ("palu", "regional", "72", None),
                                     ("ntt", "regional", "53", None),
                                     ("bandung", "regional", "32.73", None),
                                     ("field", "field", None, 4242)):
        name, pw, _ = accounts(role, region, rid)
        out[label] = bearer(token_for(live.url, name, pw))
    return out
