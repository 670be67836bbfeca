"""Shared by the dispatch and incident-loop tests: an app on an injectable clock, responders,
drawn incidents, SQL peeks and tokens."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa

from server.jobs import scheduler
from tests.conftest import make_app

# A square around Kota Palu (72.71), inside Sulawesi Tengah.
PALU = {"type": "Polygon", "coordinates": [[[119.85, -0.92], [119.89, -0.92], [119.89, -0.88],
                                            [119.85, -0.88], [119.85, -0.92]]]}


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def dapp(database_url, engine, clock):
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE responders, incidents, dispatches, "
                             "notification_deliveries, responder_positions CASCADE"))
    return make_app(database_url, CLOCK=clock)


def q(engine, sql, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).all()


def responder(app, kind, name, lat, lon, **extra):
    from server.extensions import db
    from server.services import responders

    with app.app_context():
        session = db.session()
        row = responders.create(session, "test", {"type": kind, "name": name,
                                                  "base": {"lat": lat, "lon": lon}, **extra})
        rid = row.id
        session.close()
    return rid


def incident(app, polygon=PALU, severity="moderate"):
    from server.auth.scope import Principal
    from server.extensions import db
    from server.services import incidents

    with app.app_context():
        session = db.session()
        row = incidents.create_manual(session, Principal(kind="user", role="operator",
                                                         username="op"),
                                      "flood", severity, "Banjir uji", polygon)
        iid = row.id
        session.close()
    return iid


def states(engine, iid):
    return {(r, s) for r, s in q(engine, "SELECT responder_id, state FROM dispatches "
                                         "WHERE incident_id = :i", i=iid)}


def run_jobs(app):
    return scheduler.run_once(app)


def token(client, name, pw):
    res = client.post("/api/v1/auth/token", json={"username": name, "password": pw})
    return {"Authorization": f"Bearer {res.json['token']}"}
