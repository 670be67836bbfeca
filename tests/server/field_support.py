"""Shared by the field tablet's tests: a clock, responders, an incident, field accounts with
tokens, a loopback push service, and small images made with Pillow."""

from __future__ import annotations

import io
import os
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import ExifTags
from PIL import Image

from server.auth.scope import Principal
from tests.conftest import make_app
from tests.pushservice import PushService

# A square around Kota Palu (72.71), inside Sulawesi Tengah.
PALU = {"type": "Polygon", "coordinates": [[[119.85, -0.92], [119.89, -0.92], [119.89, -0.88],
                                            [119.85, -0.88], [119.85, -0.92]]]}
OPERATOR = Principal(kind="user", role="operator", username="op")
TABLES = ("responders, incidents, dispatches, notification_deliveries, responder_positions, "
          "push_subscriptions, field_reports")


class Clock:
    def __init__(self):
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def push_service():
    service = PushService()
    yield service
    service.close()


@pytest.fixture
def fapp(database_url, engine, clock, tmp_path):
    """An app with a fake clock, photos under a temporary folder, http push endpoints."""
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {TABLES} CASCADE"))
    return make_app(database_url, CLOCK=clock, REPORT_DIR=str(tmp_path / "reports"),
                    PUSH_ALLOW_HTTP=True)


def q(engine, sql, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).all()


def responder(app, kind, name, lat, lon):
    from server.extensions import db
    from server.services import responders

    with app.app_context():
        session = db.session()
        row = responders.create(session, "test", {"type": kind, "name": name,
                                                  "base": {"lat": lat, "lon": lon}})
        rid = row.id
        session.close()
    return rid


def incident(app, polygon=PALU, title="Banjir uji"):
    from server.extensions import db
    from server.services import incidents

    with app.app_context():
        session = db.session()
        iid = incidents.create_manual(session, OPERATOR, "flood", "moderate", title, polygon).id
        session.close()
    return iid


def token(client, name, pw):
    res = client.post("/api/v1/auth/token", json={"username": name, "password": pw})
    assert res.status_code == 201, res.json
    return {"Authorization": f"Bearer {res.json['token']}"}


def dispatch_of(engine, incident_id, responder_id):
    return q(engine, "SELECT id FROM dispatches WHERE incident_id = :i AND responder_id = :r",
             i=incident_id, r=responder_id)[0][0]


def jpeg(size=(640, 480), gps=True, noise=False, quality=90) -> bytes:
    """A JPEG with camera EXIF (and a GPS block near Palu unless ``gps`` is False); with
    ``noise`` its pixels are random, so it compresses as badly as a busy photo."""
    if noise:
        img = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        img = Image.new("RGB", size, (180, 60, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "KameraUji"
    if gps:
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "S", ExifTags.GPS.GPSLatitude: (0.0, 53.0, 55.0),
            ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (119.0, 52.0, 14.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality, exif=exif.tobytes())
    return out.getvalue()


def has_gps(data: bytes) -> bool:
    img = Image.open(io.BytesIO(data))
    return bool(img.getexif().get_ifd(ExifTags.IFD.GPSInfo))
