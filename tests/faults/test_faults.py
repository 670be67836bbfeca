"""Faults that must lose nothing (bounded in time, loopback only)."""

import threading
import time

import pytest
import requests
import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.queries import events as event_queries
from tests.conftest import BOUNDARIES
from tests.conftest import start_server
from tests.conftest import stop_server
from tests.faults.support import FailoverStream
from tests.faults.support import Redis
from tests.faults.support import private_cluster
from tests.helpers import token_for


def _writer(engine, kind: str, count: int, pause: float, written: list, regions=("72.71",)):
    def run():
        for i in range(count):
            with Session(engine) as s:
                row = event_queries.append(s, kind, list(regions), {"i": i})
                s.commit()
                written.append(row.seq)
            time.sleep(pause)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _drive(streams, until, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline and not until():
        for stream in streams:
            stream.ensure()
        time.sleep(0.05)
    return until()


def test_killing_one_of_two_processes_loses_and_repeats_nothing(database_url, engine, accounts):
    a, b = start_server(database_url), start_server(database_url)
    name, pw, _ = accounts("operator")
    token = token_for(a.url, name, pw)
    streams = [FailoverStream([a.url, b.url], token, start=i % 2) for i in range(12)]
    written: list[int] = []
    try:
        for stream in streams:
            assert stream.connect()
        assert _drive(streams, lambda: all(s.synced for s in streams), 15)
        writer = _writer(engine, "fault.kill", 400, 0.005, written)
        assert _drive(streams, lambda: len(written) > 120, 20)
        a.proc.kill()  # no goodbye: SIGKILL mid-burst
        writer.join(timeout=60)
        assert _drive(streams, lambda: all(len(s.seqs("fault.kill")) >= 400 for s in streams),
                      40)
        time.sleep(0.5)
        for stream in streams:
            got = stream.seqs("fault.kill")
            assert got == sorted(set(written)), "every event, once, in order"
        moved = [s for s in streams if s.i % 2 == 1 or s.i > 1]
        assert moved, "the clients of the killed process reconnected to the other"
    finally:
        for stream in streams:
            stream.close()
        stop_server(a)
        stop_server(b)


@pytest.fixture
def own_cluster(migrated_database):
    """A server on a cluster of its own, with the national boundaries loaded."""
    from server.extensions import db
    from server.platform import migrate
    from server.services import areas
    from tests.conftest import make_app

    pg, base = private_cluster()
    pg.ensure_database("kendali")
    url = pg.url("kendali")
    engine = sa.create_engine(url, pool_pre_ping=True)  # the test restarts the cluster
    migrate.upgrade(engine)
    app = make_app(url)
    with app.app_context():
        list(areas.bootstrap(db, BOUNDARIES))
        db.dispose()
    yield pg, url, engine, app
    engine.dispose()
    pg.stop()
    import shutil

    shutil.rmtree(base, ignore_errors=True)


def test_a_postgres_restart_during_submissions_loses_no_accepted_complaint(own_cluster):
    from server.extensions import db
    from server.services import accounts

    pg, url, engine, app = own_cluster
    with app.app_context():
        session = db.session()
        _, key = accounts.create_key(session, "test", "jaga_bansos", "fault test")
        session.close()
        db.dispose()
    server = start_server(url)
    results: list[tuple[str, int | str, float]] = []
    stop = threading.Event()

    def submit():
        i = 0
        http = requests.Session()
        while not stop.is_set():
            i += 1
            ext = f"fault-{i}"
            body = {"external_id": ext, "received_at": "2026-11-27T08:00:00Z", "category": "PKH",
                    "description": f"Bantuan belum cair {i}",
                    "location": {"lat": -0.8987, "lon": 119.8707}}
            try:
                res = http.post(f"{server.url}/api/v1/complaints", json=body, timeout=8,
                                headers={"Authorization": f"Bearer {key}"})
                results.append((ext, res.status_code, time.time()))
            except requests.RequestException as exc:
                results.append((ext, type(exc).__name__, time.time()))
            time.sleep(0.02)

    worker = threading.Thread(target=submit)
    try:
        worker.start()
        time.sleep(3)
        restart_began = time.time()
        pg.stop()
        time.sleep(2)
        pg.start()
        restarted = time.time()
        time.sleep(10)
        stop.set()
        worker.join(timeout=30)
    finally:
        stop.set()
        stop_server(server)
    statuses = {s for _, s, _ in results}
    assert statuses <= {201, 503}, statuses  # never a 500, never a hang or a dropped request
    assert 503 in statuses and 201 in statuses
    accepted = {ext for ext, s, _ in results if s == 201}
    with engine.connect() as conn:
        stored = set(conn.execute(sa.text(
            "SELECT external_id FROM complaints WHERE external_id LIKE 'fault-%'")).scalars())
    assert accepted <= stored, "every request that got 201 is in the database"
    first_ok = min((t for _, s, t in results if s == 201 and t > restarted), default=None)
    assert first_ok is not None and first_ok - restarted < 10, "recovers by itself within 10 s"
    assert restart_began < restarted


def test_redis_outage_keeps_each_process_serving_and_tells_its_clients(
        database_url, engine, accounts):
    redis = Redis().start()
    a = start_server(database_url, KENDALI_REDIS_URL=redis.url)
    b = start_server(database_url, KENDALI_REDIS_URL=redis.url)
    name, pw, _ = accounts("operator")
    token = token_for(a.url, name, pw)
    streams = [FailoverStream([a.url, b.url], token, start=i % 2) for i in range(4)]
    try:
        for stream in streams:
            assert stream.connect()
        assert _drive(streams, lambda: all(s.synced for s in streams), 15)
        assert requests.get(a.url + "/healthz", timeout=5).json()["redis"] == "up"
        redis.stop()
        assert _drive(streams, lambda: all(any(m["degraded"] for m in s.statuses)
                                           for s in streams), 15), "told the stream is degraded"
        assert requests.get(b.url + "/healthz", timeout=5).json()["redis"] == "down"
        written: list[int] = []
        _writer(engine, "fault.redis", 50, 0.01, written).join(timeout=30)
        assert _drive(streams, lambda: all(len(s.seqs("fault.redis")) == 50 for s in streams), 20)
        # login still works (rate limits fall back to memory)
        assert token_for(b.url, name, pw)
        redis.start()
        assert _drive(streams, lambda: all(s.statuses[-1]["redis"] == "up" for s in streams), 15)
        more: list[int] = []
        _writer(engine, "fault.redis2", 20, 0.01, more).join(timeout=30)
        assert _drive(streams, lambda: all(s.seqs("fault.redis2") == more for s in streams), 20)
    finally:
        for stream in streams:
            stream.close()
        stop_server(a)
        stop_server(b)
        redis.cleanup()
