"""Small helpers shared by tests (no fixtures here)."""

from __future__ import annotations

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
