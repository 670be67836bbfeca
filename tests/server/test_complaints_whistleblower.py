"""Whistleblower protection: a planted identity must be found nowhere.

A whole scenario runs through a real ``kendali serve`` process (the session's ``live``
server, and one more at DEBUG log level with keys of its own): intake, redelivery, bad
input, a batch, lists, detail, the unplaced queue, placement by hand, status changes,
duplicates, the summary, the audit trail, the event API and export, and real Socket.IO
listeners. Every response body, every event received, the server's log file and the
captured logs are then searched for the reporter's name, phone, NIK, village, street, the
text marked identifying and the digits of both exact points. The database itself is
searched too: only the sealed (encrypted) column may hold them, and it does.
"""

import base64
import json
import logging
import random
import secrets
import uuid
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from tests.conftest import start_server
from tests.conftest import stop_server
from tests.helpers import bearer
from tests.helpers import token_for
from tests.helpers import wait_for
from tests.server.complaints_support import *  # noqa: F403 - the fixtures
from tests.server.complaints_support import PALU
from tests.server.complaints_support import complaint
from tests.server.complaints_support import rows
from tests.server.test_live_auth import Listener

pytestmark = pytest.mark.usefixtures("clean_complaints")

# Exact points (in Palu Timur, 72.71.01, and in Coblong, 32.73.02). The trailing "21" keeps
# every rounding to 5 or 6 decimals on the same digits, so the needles below catch them all.
EXACT = (-0.8963821, 119.8793521)
EXACT_NEEDLES = ("0.89638", "119.87935")
MANUAL = (-6.8882121, 107.6153221)
MANUAL_NEEDLES = ("6.88821", "107.61532")
KEYS = {
    "KENDALI_WHISTLEBLOWER_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    "KENDALI_IDENTITY_HASH_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
}


@pytest.fixture(scope="module")
def debug_server(database_url):
    """A second real server, logging at DEBUG, with whistleblower keys of its own."""
    server = start_server(database_url, KENDALI_LOG_LEVEL="DEBUG", **KEYS)
    yield server
    stop_server(server)


@pytest.fixture(params=["live", "debug"])
def server(request):
    return request.getfixturevalue("live" if request.param == "live" else "debug_server")


class Identity:
    """A unique identity to plant, and every form it could leak in."""

    def __init__(self):
        tag = uuid.uuid4().hex
        rng = random.Random(tag)
        self.name = f"Sukmawati Wirabhakti {tag[:6]}"
        self.phone_core = "".join(rng.choice("123456789") for _ in range(8))
        self.phone = f"0813-{self.phone_core[:4]}-{self.phone_core[4:]}"
        self.nik = "72" + "".join(rng.choice("0123456789") for _ in range(14))
        self.village = f"Kampung Sembunyi {tag[6:12]}"
        self.street = f"Gang Rahasia No. {tag[12:16]}"
        self.secret = f"Saya {self.name}, staf gudang, melihat beras ditimbun"

    @property
    def needles(self) -> list[str]:
        return [
            self.name,
            self.phone_core,
            self.nik,
            self.village,
            self.street,
            self.secret,
            *EXACT_NEEDLES,
            *MANUAL_NEEDLES,
        ]

    def reporter(self) -> dict:
        return {"name": self.name, "phone": self.phone, "nik": self.nik}

    def body(self, **kw) -> dict:
        body = {
            "location": {
                "lat": EXACT[0],
                "lon": EXACT[1],
                "village": self.village,
                "address": self.street,
            },
            "reporter": self.reporter(),
            "description": self.secret,
            "identifying": ["description"],
        }
        return complaint(None, **(body | kw))


class Recorder:
    """Every response body seen in the scenario."""

    def __init__(self, base: str):
        self.base = base
        self.texts: list[str] = []

    def call(self, method: str, path: str, headers=None, session=None, **kw):
        res = (session or requests).request(
            method, self.base + path, headers=headers, timeout=30, **kw
        )
        self.texts.append(res.text)
        return res


def _wall(app, base: str) -> requests.Session:
    from server.extensions import db
    from server.services import accounts

    with app.app_context():
        session = db.session()
        code, _ = accounts.create_wall_code(session, "test", f"Layar {uuid.uuid4().hex[:8]}")
        session.close()
    wall = requests.Session()
    assert wall.get(f"{base}/wall/login?code={code}", timeout=10).status_code == 200
    return wall


def _scenario(server, app, accounts, channel_key, who: Identity, rec: Recorder) -> dict:
    """Everything a day in the command room does with whistleblower complaints."""
    op_name, op_pw, _ = accounts("operator")
    reg_name, reg_pw, _ = accounts("regional", "72")
    admin_name, admin_pw, _ = accounts("admin")
    op = bearer(token_for(server.url, op_name, op_pw))
    reg = bearer(token_for(server.url, reg_name, reg_pw))
    admin = bearer(token_for(server.url, admin_name, admin_pw))
    wall = _wall(app, server.url)
    key = channel_key("whistleblower")
    first = who.body()
    created = rec.call("POST", "/api/v1/complaints", key, json=first)
    assert created.status_code == 201, created.text
    wb = created.json()["id"]
    assert created.json()["area"]["district"]["code"] == "72.71.01"
    assert rec.call("POST", "/api/v1/complaints", key, json=first).status_code == 200
    other = dict(first, description="isi lain")
    assert rec.call("POST", "/api/v1/complaints", key, json=other).status_code == 409
    bad = who.body(reporter={**who.reporter(), "nik": who.nik[:10]})
    assert rec.call("POST", "/api/v1/complaints", key, json=bad).status_code == 400
    batch = [
        complaint(
            None,
            reporter=who.reporter(),
            description="Penimbunan beras di gudang desa.",
            location={"village": who.village, "address": who.street},
        ),
        who.body(location={"lat": float("nan"), "lon": EXACT[1], "village": who.village}),
        who.body(
            external_id=f"wb-{uuid.uuid4().hex[:8]}",
            category="BLT",
            reporter={"name": who.name, "phone": who.phone},
        ),
    ]
    lines = "\n".join(json.dumps(b) for b in batch) + "\n{not json\n"
    ndjson = {**key, "Content-Type": "application/x-ndjson"}
    res = rec.call("POST", "/api/v1/complaints/batch", ndjson, data=lines.encode())
    codes = [r["code"] for r in res.json()["results"]]
    assert codes == [201, 400, 201, 400], res.text
    unplaced, third = res.json()["results"][0]["id"], res.json()["results"][2]["id"]
    assert res.json()["results"][0]["possible_duplicate_of"] == wb  # same NIK, same category
    return dict(op=op, reg=reg, admin=admin, wall=wall, wb=wb, unplaced=unplaced, third=third)


def _follow_up(rec: Recorder, s: dict) -> None:
    op, reg, admin, wall, wb = s["op"], s["reg"], s["admin"], s["wall"], s["wb"]
    for path in (
        "",
        "?channel=whistleblower",
        "/unplaced",
        "/summary",
        "/summary?level=regency",
        f"/{wb}",
        f"/{s['third']}",
        f"?bbox={EXACT[1] - 0.001},{EXACT[0] - 0.001},{EXACT[1] + 0.001},{EXACT[0] + 0.001}",
    ):
        assert rec.call("GET", f"/api/v1/complaints{path}", op).status_code == 200, path
    detail = rec.call("GET", f"/api/v1/complaints/{wb}", op).json()
    props = detail["properties"]
    assert props["protected"] is True and props["location"] is None and "reporter" not in props
    assert props["description"] is None and props["redacted"] == ["description"]
    assert detail["geometry"]["coordinates"] != [round(EXACT[1], 6), round(EXACT[0], 6)]
    placed = rec.call(
        "POST",
        f"/api/v1/complaints/{s['unplaced']}/place",
        op,
        json={"lat": MANUAL[0], "lon": MANUAL[1]},
    )
    assert (
        placed.status_code == 200
        and placed.json()["properties"]["area"]["district"]["code"] == "32.73.02"
    )
    assert (
        rec.call(
            "PATCH",
            f"/api/v1/complaints/{wb}",
            reg,
            json={"status": "diverifikasi", "note": "diperiksa"},
        ).status_code
        == 200
    )
    assert (
        rec.call(
            "POST",
            f"/api/v1/complaints/{s['third']}/duplicate",
            op,
            json={"of": wb, "decision": "confirm"},
        ).status_code
        == 200
    )
    found = rec.call("GET", "/api/v1/units?q=Inspektorat", op).json()["units"]
    assert (
        rec.call(
            "PATCH",
            f"/api/v1/complaints/{wb}",
            op,
            json={"status": "diteruskan", "assigned_to": found[0]["id"]},
        ).status_code
        == 200
    )
    for path in ("", f"/{wb}", "/summary"):
        assert rec.call("GET", f"/api/v1/complaints{path}", reg).status_code == 200
    for path in ("", "/summary"):
        assert rec.call("GET", f"/api/v1/complaints{path}", session=wall).status_code == 200
    for fmt in ("geojson", "csv"):
        res = rec.call("GET", f"/api/v1/exports/complaints.{fmt}", op)
        assert res.status_code == 200, res.text[:200]
    for path in (
        "/api/v1/events?limit=1000",
        "/api/v1/events/export.ndjson",
        f"/api/v1/audit?object_type=complaint&object_id={wb}",
        "/api/v1/audit?limit=500",
    ):
        assert rec.call("GET", path, admin).status_code == 200, path


def _leaks(needles: list[str], texts: dict[str, str]) -> list[tuple[str, str]]:
    return [(where, n) for where, text in texts.items() for n in needles if n in text]


def test_the_planted_identity_is_found_nowhere(server, app, accounts, channel_key, engine, caplog):
    caplog.set_level(logging.DEBUG)
    who, rec = Identity(), Recorder(server.url)
    listeners = []
    try:
        op_name, op_pw, _ = accounts("operator")
        reg_name, reg_pw, _ = accounts("regional", "72")
        for name, pw in ((op_name, op_pw), (reg_name, reg_pw)):
            listeners.append(Listener(server.url, token_for(server.url, name, pw)).connect())
        s = _scenario(server, app, accounts, channel_key, who, rec)
        _follow_up(rec, s)
        national, regional = listeners
        assert wait_for(
            lambda: len([e for e in national.events if e["type"].startswith("complaint.")]) >= 7
        )
        assert wait_for(lambda: any(e["type"] == "complaint.updated" for e in regional.events))
    finally:
        for listener in listeners:
            listener.close()
    texts = {f"response {i}": t for i, t in enumerate(rec.texts)}
    texts["events (national)"] = json.dumps(national.events, ensure_ascii=False)
    texts["events (regional)"] = json.dumps(regional.events, ensure_ascii=False)
    texts["server log"] = Path(server.log).read_text(errors="replace")
    texts["captured logs"] = caplog.text
    assert _leaks(who.needles, texts) == []
    # the scanner works: the bodies we sent carry every needle
    sent = json.dumps([who.body(), who.reporter()])
    assert all(n in sent for n in [who.name, who.nik, who.village, who.street, who.secret])
    _at_rest(engine, who, s["wb"])


def _at_rest(engine, who: Identity, wb: int) -> None:
    """In the database only the sealed column holds the identity (encrypted)."""
    tables = {
        "complaints": "SELECT row_to_json(c)::text FROM complaints c",
        "timeline": "SELECT row_to_json(t)::text FROM complaint_timeline t",
        "audit": "SELECT row_to_json(a)::text FROM audit_log a",
        "events": "SELECT row_to_json(e)::text FROM event_log e",
    }
    texts = {name: "\n".join(r[0] for r in rows(engine, sql)) for name, sql in tables.items()}
    assert _leaks(who.needles, texts) == []
    (sealed, reporter, location, precise) = rows(
        engine,
        "SELECT sealed, reporter, location, geom_precise FROM complaints WHERE id = :i",
        i=wb,
    )[0]
    assert sealed and reporter is None and location is None and precise is False


def test_the_sealed_identity_opens_with_the_key_only(
    database_url, debug_server, channel_key, engine
):
    from cryptography.exceptions import InvalidTag

    from server.platform import crypto
    from tests.conftest import make_app

    who = Identity()
    res = requests.post(
        f"{debug_server.url}/api/v1/complaints",
        json=who.body(),
        headers=channel_key("whistleblower"),
        timeout=30,
    )
    assert res.status_code == 201
    (sealed, channel, external_id) = rows(
        engine,
        "SELECT sealed, channel, external_id FROM complaints WHERE id = :i",
        i=res.json()["id"],
    )[0]
    keys = {k.removeprefix("KENDALI_"): v for k, v in KEYS.items()}
    with make_app(database_url, **keys).app_context():
        opened = crypto.unseal(bytes(sealed), crypto.context_of(channel, external_id))
        assert opened["reporter"] == who.reporter() and opened["description"] == who.secret
        assert (opened["location"]["lat"], opened["location"]["lon"]) == EXACT
        assert opened["location"]["village"] == who.village
        with pytest.raises(InvalidTag):
            crypto.unseal(bytes(sealed), crypto.context_of(channel, "another-id"))
    other = {"WHISTLEBLOWER_KEY": base64.b64encode(secrets.token_bytes(32)).decode()}
    with make_app(database_url, **other).app_context(), pytest.raises(InvalidTag):
        crypto.unseal(bytes(sealed), crypto.context_of(channel, external_id))


def test_whistleblower_reports_are_never_linked_to_named_ones(client, channel_key, staff):
    nik, wb_key = "7271010101900077", channel_key("whistleblower")
    named = client.post(
        "/api/v1/complaints",
        json=complaint(PALU, reporter={"nik": nik}),
        headers=channel_key("jaga_bansos"),
    ).json
    hidden = client.post(
        "/api/v1/complaints", json=complaint(PALU, reporter={"nik": nik}), headers=wb_key
    ).json
    assert hidden["possible_duplicate_of"] is None  # same NIK, same text: still not linked
    again = client.post(
        "/api/v1/complaints", json=complaint(PALU, reporter={"nik": nik}), headers=wb_key
    ).json
    assert again["possible_duplicate_of"] == hidden["id"]
    later = client.post(
        "/api/v1/complaints",
        json=complaint(PALU, reporter={"nik": nik}),
        headers=channel_key("ditjen"),
    ).json
    assert later["possible_duplicate_of"] == named["id"]


def test_bad_whistleblower_input_is_not_echoed_or_logged(client, channel_key, caplog):
    caplog.set_level(logging.DEBUG)
    who = Identity()
    # Too many digits whatever they are ("x" + 8 digits read as a valid number whenever the
    # random core began with 8: 0812… is written 812… too).
    body = who.body(
        reporter={"name": who.name, "phone": "x" + who.phone_core * 2, "nik": who.nik + "9"}
    )
    res = client.post("/api/v1/complaints", json=body, headers=channel_key("whistleblower"))
    assert res.status_code == 400 and set(res.json["fields"]) == {"reporter.phone", "reporter.nik"}
    assert _leaks(who.needles, {"body": res.get_data(as_text=True), "log": caplog.text}) == []


def test_postgres_own_statement_log_never_sees_the_exact_point(database_url, engine, channel_key):
    """A database that logs every statement still never logs a whistleblower's point."""
    import os

    from tests.conftest import make_app

    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("the server log of an external TEST_DATABASE_URL is not readable here")
    with engine.connect() as conn:
        data_dir = conn.execute(sa.text("SHOW data_directory")).scalar()
        dbname = conn.execute(sa.text("SELECT current_database()")).scalar()
    pg_log = Path(data_dir).parent / "postgres.log"
    assert pg_log.exists()
    with engine.begin() as conn:
        conn.execute(sa.text(f'ALTER DATABASE "{dbname}" SET log_min_duration_statement = 0'))
    try:
        app = make_app(database_url)  # new connections: they log every statement
        client = app.test_client()
        wb = complaint((-0.9012345, 119.8712345), description="rahasia")
        named = complaint((-0.9054321, 119.8754321), description="biasa")
        assert (
            client.post(
                "/api/v1/complaints", json=wb, headers=channel_key("whistleblower")
            ).status_code
            == 201
        )
        assert (
            client.post("/api/v1/complaints", json=named, headers=channel_key("ditjen")).status_code
            == 201
        )
        with app.app_context():
            from server.extensions import db

            db.dispose()
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{dbname}" RESET log_min_duration_statement'))
    text = pg_log.read_text(errors="replace")
    assert "0.9054321" in text  # the control: an ordinary point is logged
    assert "0.9012345" not in text and "119.8712345" not in text
