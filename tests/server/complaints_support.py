"""Shared fixtures and builders of the complaint tests (imported by test_complaints*.py)."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa

#: Imported with ``*`` by the test modules: the fixtures.
__all__ = ["channel_key", "clean_complaints", "staff", "unit_id", "wall_client"]

# Points well inside districts (checked against the national boundaries).
PALU = (-0.8987, 119.8707)  # Kota Palu, Sulawesi Tengah (72.71)
BANDUNG = (-6.8915, 107.6107)  # Kota Bandung, Jawa Barat (32.73)
LEMBANG = (-6.8114, 107.6173)  # Kab. Bandung Barat (32.17)

_seq = itertools.count(1)


@pytest.fixture
def clean_complaints(engine):
    """Empty complaint tables before each test (counters too)."""
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "TRUNCATE complaints, complaint_timeline, complaint_counts, "
                "complaint_count_deltas CASCADE"
            )
        )
    yield


@pytest.fixture
def channel_key(app):
    """Factory: a fresh key of ``channel`` -> Authorization headers."""
    from server.extensions import db
    from server.services import accounts

    def make(channel: str = "jaga_bansos") -> dict:
        with app.app_context():
            session = db.session()
            _, key = accounts.create_key(session, "test", channel, f"test {uuid.uuid4().hex[:6]}")
            session.close()
        return {"Authorization": f"Bearer {key}"}

    return make


@pytest.fixture
def staff(client, accounts):
    """Factory: Authorization headers of a new account of ``role`` (and region)."""

    def make(role: str = "operator", region: str | None = None) -> dict:
        name, pw, _ = accounts(role, region, 4242 if role == "field" else None)
        res = client.post("/api/v1/auth/token", json={"username": name, "password": pw})
        assert res.status_code == 201, res.json
        return {"Authorization": f"Bearer {res.json['token']}"}

    return make


@pytest.fixture
def wall_client(app):
    """A test client signed in as a wall screen (one-time code, then a session cookie)."""
    from server.extensions import db
    from server.services import accounts

    with app.app_context():
        session = db.session()
        code, _ = accounts.create_wall_code(session, "test", f"Layar {uuid.uuid4().hex[:8]}")
        session.close()
    wall = app.test_client()
    assert wall.get(f"/wall/login?code={code}").status_code == 302
    return wall


def complaint(point=PALU, **overrides) -> dict:
    """A valid complaint body (a fresh external id each call)."""
    body = {
        "external_id": f"ext-{next(_seq)}-{uuid.uuid4().hex[:6]}",
        "received_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        "category": "PKH",
        "description": "Bantuan PKH bulan ini belum diterima oleh keluarga kami.",
        "location": {"lat": point[0], "lon": point[1]} if point else {},
    }
    body.update(overrides)
    return body


def rows(engine, sql: str, **params) -> list:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).all()


@pytest.fixture
def unit_id(engine):
    """Factory: the id of a seeded work unit by its exact name (``Inspektorat Jenderal``,
    ``Dinas Sosial Kota Palu``...; the test database's boundaries seed them)."""

    def find(name: str) -> int:
        with engine.connect() as conn:
            found = conn.execute(sa.text("SELECT id FROM units WHERE name = :n"),
                                 {"n": name}).scalar()
        assert found, f"no unit {name!r}: seeded with the boundaries (kendali units seed)"
        return found

    return find
