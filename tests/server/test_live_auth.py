"""Security through the real server process (eventlet) with real Socket.IO clients."""

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
import socketio

from tests.helpers import InOrderClient
from tests.helpers import add_events
from tests.helpers import bearer
from tests.helpers import token_for
from tests.helpers import wait_for

KENDALI = str(Path(sys.executable).parent / "kendali")


class Listener:
    """A real Socket.IO client on /live that records the events it receives."""

    def __init__(self, base: str, token: str | None = None):
        self.client = InOrderClient(reconnection=False)
        self.events: list[dict] = []
        self.disconnected = threading.Event()
        self.client.on("event", self.events.append, namespace="/live")
        self.client.on("disconnect", lambda *a: self.disconnected.set(), namespace="/live")
        self.base = base
        self.token = token

    def connect(self):
        auth = {"token": self.token} if self.token else None
        self.client.connect(
            self.base, namespaces=["/live"], auth=auth, transports=["websocket"], wait_timeout=10
        )
        return self

    def join(self, room):
        return self.client.call("join", {"room": room}, namespace="/live", timeout=10)

    def seqs(self, kind):
        return [e["seq"] for e in self.events if e["type"] == kind]

    def close(self):
        if self.client.connected:
            self.client.disconnect()


def test_socket_refuses_missing_or_bad_credentials(live):
    for token in (None, "kdt_not-a-real-token", "kdl_jaga_bansos_00000000_x"):
        with pytest.raises(socketio.exceptions.ConnectionError):
            Listener(live.url, token).connect()


def test_regional_socket_sees_only_its_province(live, accounts, engine):
    a, apw, _ = accounts("regional", "72")
    b, bpw, _ = accounts("regional", "73")
    op, oppw, _ = accounts("operator")
    la = Listener(live.url, token_for(live.url, a, apw)).connect()
    lb = Listener(live.url, token_for(live.url, b, bpw)).connect()
    lo = Listener(live.url, token_for(live.url, op, oppw)).connect()
    try:
        assert la.join("province:73") == {"error": "forbidden", "room": "province:73"}
        assert la.join("regency:73.71") == {"error": "forbidden", "room": "regency:73.71"}
        assert la.join("national") == {"error": "forbidden", "room": "national"}
        assert la.join("regency:72.71") == {"ok": True, "room": "regency:72.71"}
        assert lo.join("province:73")["ok"] is True
        s72, s73, s7271 = add_events(
            engine,
            ("live.scope", ["72.03.01"], {"x": 1}),
            ("live.scope", ["73.71"], {"x": 2}),
            ("live.scope", ["72.71"], {"x": 3}),
        )
        assert wait_for(lambda: len(lo.seqs("live.scope")) == 3)
        assert wait_for(lambda: len(la.seqs("live.scope")) == 2)
        time.sleep(0.5)
        assert la.seqs("live.scope") == [s72, s7271]  # once each, though in two rooms
        assert lb.seqs("live.scope") == [s73]
        assert lo.seqs("live.scope") == [s72, s73, s7271]
        msg = la.events[-1]
        assert set(msg) == {"seq", "type", "time", "regions", "payload"}
        assert msg["regions"] == ["72", "72.71"]
    finally:
        for listener in (la, lb, lo):
            listener.close()


def test_field_socket_gets_only_its_own_room(live, accounts, engine):
    name, pw, _ = accounts("field", responder_id=777)
    lf = Listener(live.url, token_for(live.url, name, pw)).connect()
    try:
        assert lf.join("responder:778")["error"] == "forbidden"
        assert lf.join("province:72")["error"] == "forbidden"
        mine, _ = add_events(
            engine, ("live.assign", ["72.71"], {}, [777]), ("live.assign", ["72.71"], {}, [778])
        )
        assert wait_for(lambda: lf.seqs("live.assign") == [mine])
        time.sleep(0.5)
        assert lf.seqs("live.assign") == [mine]
    finally:
        lf.close()


def test_disabling_an_account_closes_its_open_socket_at_once(live, accounts):
    name, pw, _ = accounts("regional", "72")
    token = token_for(live.url, name, pw)
    listener = Listener(live.url, token).connect()
    try:
        res = subprocess.run(
            [KENDALI, "users", "disable", name],
            env={"DATABASE_URL": live.database_url, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert res.returncode == 0, res.stderr
        assert listener.disconnected.wait(5), "the open socket must be closed"
        assert (
            requests.get(f"{live.url}/api/v1/auth/me", headers=bearer(token), timeout=5).status_code
            == 401
        )
        with pytest.raises(socketio.exceptions.ConnectionError):
            Listener(live.url, token).connect()
    finally:
        listener.close()


def test_revoking_a_token_closes_its_socket(live, accounts):
    name, pw, _ = accounts("operator")
    token = token_for(live.url, name, pw)
    other = token_for(live.url, name, pw)
    listener = Listener(live.url, token).connect()
    survivor = Listener(live.url, other).connect()
    try:
        res = requests.delete(f"{live.url}/api/v1/auth/token", headers=bearer(token), timeout=5)
        assert res.status_code == 204
        assert listener.disconnected.wait(5)
        time.sleep(0.3)
        assert survivor.client.connected, "only the revoked token's socket closes"
    finally:
        listener.close()
        survivor.close()


def test_security_headers_and_no_traceback_from_the_real_server(live):
    res = requests.get(f"{live.url}/api/v1/areas/lookup?lat=abc&lon=1", timeout=5)
    assert res.status_code == 400
    assert "Content-Security-Policy" in res.headers
    assert "Traceback" not in res.text


def test_a_socket_ends_when_its_token_expires(live, accounts, engine):
    """Issue 15: an open socket kept streaming after its token had expired."""
    import hashlib

    import sqlalchemy as sa

    name, pw, _ = accounts("regional", "72")
    token, lasting = token_for(live.url, name, pw), token_for(live.url, name, pw)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE tokens SET expires_at = now() + interval '3 seconds' "
                             "WHERE token_hash = :h"),
                     {"h": hashlib.sha256(token.encode()).hexdigest()})
    expiring = Listener(live.url, token).connect()
    survivor = Listener(live.url, lasting).connect()
    try:
        assert not expiring.disconnected.wait(1.0), "ended before its expiry"
        assert expiring.disconnected.wait(6), "the socket must end when its token expires"
        assert survivor.client.connected
        with pytest.raises(socketio.exceptions.ConnectionError):
            Listener(live.url, token).connect()
    finally:
        expiring.close()
        survivor.close()
