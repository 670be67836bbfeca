"""Small helpers shared by tests (no fixtures here)."""

from __future__ import annotations

import time
from datetime import UTC
from datetime import datetime

import engineio
import requests
import socketio
from sqlalchemy.orm import Session

from server.queries import events as event_queries


def token_for(base: str, username: str, password: str) -> str:
    res = requests.post(
        f"{base}/api/v1/auth/token", json={"username": username, "password": password}, timeout=10
    )
    assert res.status_code == 201, res.text
    return res.json()["token"]


def wait_for(predicate, timeout=10.0) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` seconds pass; return its last value."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return bool(predicate())


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


class _InOrderEngineIO(engineio.Client):
    """python-engineio's client runs each message handler in a thread of its own
    (``run_async=True``): under load a later message can be handled before an earlier one,
    and a client's "last seen" can go backwards. Handle messages in the reading thread, in
    the order they came off the wire, as a browser does."""

    def _trigger_event(self, event, *args, **kwargs):
        if event == "message":
            kwargs["run_async"] = False
        return super()._trigger_event(event, *args, **kwargs)


class InOrderClient(socketio.Client):
    """A Socket.IO client that handles events in wire order (see :class:`_InOrderEngineIO`)."""

    def _engineio_client_class(self):
        return _InOrderEngineIO
