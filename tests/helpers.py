"""Small helpers shared by tests (no fixtures here)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import requests
from sqlalchemy.orm import Session

from server.queries import events as event_queries


def token_for(base: str, username: str, password: str) -> str:
    res = requests.post(
        f"{base}/api/v1/auth/token", json={"username": username, "password": password}, timeout=10
    )
    assert res.status_code == 201, res.text
    return res.json()["token"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def add_events(engine, *specs) -> list[int]:
    """Append events given as (type, regions, payload[, responder_ids]); return their seqs."""
    seqs = []
    with Session(engine) as session:
        for spec in specs:
            type_, regions, payload, *rest = spec
            row = event_queries.append(session, type_, regions, payload, rest[0] if rest else None)
            seqs.append(row.seq)
        session.commit()
    return seqs


#: The server clock 40 minutes after the Flores Sea M7.4 of 2021-12-14 03:20:23 UTC (recorded
#: in ../shared/data/bmkg/gempaterkini/gempaterkini_2021-12-14.json): its sequence is fresh.
FLORES_NOW = datetime(2021, 12, 14, 4, 0, tzinfo=UTC)


def app_at(database_url: str, moment: datetime, **overrides):
    """An app whose clock stands still at ``moment``: recorded quakes are then as fresh (or
    as old) as they were to a server running at that moment. The feed's own timestamps are
    never touched."""
    from tests.conftest import make_app

    return make_app(database_url, CLOCK=lambda: moment, **overrides)
