"""Accounts, tokens, scope, CSRF, headers and audit through the app (Flask test client)."""

import hashlib
import re
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import make_app
from tests.helpers import add_events


def _token(client, username, password):
    res = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert res.status_code == 201, res.json
    return {"Authorization": f"Bearer {res.json['token']}"}


def test_token_issue_use_and_revoke(client, accounts):
    name, pw, _ = accounts("regional", "72")
    res = client.post("/api/v1/auth/token", json={"username": name, "password": pw})
    assert res.status_code == 201
    assert set(res.json) == {"token", "expires_at", "role", "region"}
    assert res.json["role"] == "regional" and res.json["region"] == "72"
    headers = {"Authorization": f"Bearer {res.json['token']}"}
    me = client.get("/api/v1/auth/me", headers=headers)
    assert me.status_code == 200 and me.json["rooms"] == ["province:72"]
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_token_use_is_recorded_at_most_once_a_minute(database_url, engine, accounts):
    clock = {"now": datetime.now(UTC)}
    client = make_app(database_url, CLOCK=lambda: clock["now"]).test_client()
    name, pw, _ = accounts("operator")
    headers = _token(client, name, pw)
    digest = hashlib.sha256(headers["Authorization"].split()[1].encode()).hexdigest()

    def seen():
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT last_seen_at FROM tokens WHERE token_hash = :h"),
                                {"h": digest}).scalar_one()

    first = clock["now"]
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert seen() == first
    clock["now"] = first + timedelta(seconds=59)
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert seen() == first  # within the minute: no write
    clock["now"] = first + timedelta(seconds=61)
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert seen() == first + timedelta(seconds=61)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": "x"}, "username"),
        ({"username": "a"}, "password"),
        ({"username": 5, "password": "x"}, "username"),
    ],
)
def test_token_request_validation(client, body, field):
    res = client.post("/api/v1/auth/token", json=body)
    assert res.status_code == 400
    assert field in res.json["fields"]


def test_malformed_json_is_400(client):
    res = client.post("/api/v1/auth/token", data="{not json", content_type="application/json")
    assert res.status_code == 400 and res.json["fields"] == {"body": "malformed JSON"}


def test_wrong_password_is_401_and_same_as_unknown_user(client, accounts):
    name, _, _ = accounts("operator")
    a = client.post("/api/v1/auth/token", json={"username": name, "password": "wrong-one-x"})
    b = client.post("/api/v1/auth/token", json={"username": "nobody-here", "password": "x" * 12})
    assert a.status_code == b.status_code == 401
    assert a.json == b.json


def test_regional_scope_on_list_item_count_and_export(client, accounts, engine):
    reg72, pw72, _ = accounts("regional", "72")
    reg7271, pw7271, _ = accounts("regional", "72.71")
    op, pwop, _ = accounts("operator")
    in72, in7271, in73 = add_events(
        engine,
        ("test.scope", ["72.03"], {"p": "A"}),
        ("test.scope", ["72.71.01"], {"p": "A2"}),
        ("test.scope", ["73.71"], {"p": "B"}),
    )
    h72, h7271, hop = (
        _token(client, reg72, pw72),
        _token(client, reg7271, pw7271),
        _token(client, op, pwop),
    )
    since = in72 - 1

    def seqs(headers):
        res = client.get(f"/api/v1/events?since={since}&type=test.scope", headers=headers)
        return [e["seq"] for e in res.json["events"]]

    assert seqs(h72) == [in72, in7271]
    assert seqs(h7271) == [in7271]
    assert seqs(hop) == [in72, in7271, in73]
    # by id: out of scope is 404, as if it did not exist
    assert client.get(f"/api/v1/events/{in73}", headers=h72).status_code == 404
    assert client.get(f"/api/v1/events/{in72}", headers=h7271).status_code == 404
    assert client.get(f"/api/v1/events/{in73}", headers=hop).status_code == 200
    # counts never include the other province
    c72 = client.get("/api/v1/events/count?type=test.scope", headers=h72).json["count"]
    cop = client.get("/api/v1/events/count?type=test.scope", headers=hop).json["count"]
    assert cop > c72 >= 2
    # export
    export = client.get(f"/api/v1/events/export.ndjson?since={since}", headers=h72)
    assert export.status_code == 200
    text = export.get_data(as_text=True)
    assert '"B"' not in text and '"A"' in text
    assert f'"seq": {in73}' not in text


def test_field_account_sees_only_its_own(client, accounts, engine):
    name, pw, _ = accounts("field", responder_id=9001)
    mine, other = add_events(
        engine,
        ("test.assign", ["72.71"], {"r": 1}, [9001]),
        ("test.assign", ["72.71"], {"r": 2}, [9002]),
    )
    h = _token(client, name, pw)
    got = client.get(f"/api/v1/events?since={mine - 1}", headers=h).json["events"]
    assert [e["seq"] for e in got] == [mine]
    assert client.get(f"/api/v1/events/{other}", headers=h).status_code == 404


def test_channel_key_submits_only_to_its_own_channel(client, accounts):
    admin, pw, _ = accounts("admin")
    h = _token(client, admin, pw)
    key = client.post("/api/v1/keys", json={"channel": "jaga_bansos", "name": "t"}, headers=h)
    assert key.status_code == 201
    k = {"Authorization": f"Bearer {key.json['key']}"}
    assert key.json["key"].startswith(key.json["prefix"] + "_")
    assert client.post("/api/v1/channels/jaga_bansos/heartbeat", headers=k).status_code == 200
    other = client.post("/api/v1/channels/sp4n_lapor/heartbeat", headers=k)
    assert other.status_code == 403 and other.json["fields"] == {"channel": "not yours"}
    # a user token is not a channel key
    assert client.post("/api/v1/channels/jaga_bansos/heartbeat", headers=h).status_code == 401
    # revoked: refused at once
    assert client.delete(f"/api/v1/keys/{key.json['id']}", headers=h).status_code == 204
    assert client.post("/api/v1/channels/jaga_bansos/heartbeat", headers=k).status_code == 401


def test_disabled_account_is_refused_at_once(client, accounts):
    admin, apw, _ = accounts("admin")
    name, pw, user = accounts("operator")
    h = _token(client, name, pw)
    ha = _token(client, admin, apw)
    assert client.get("/api/v1/auth/me", headers=h).status_code == 200
    res = client.patch(f"/api/v1/users/{user.id}", json={"disabled": True}, headers=ha)
    assert res.status_code == 200 and res.json["disabled"] is True
    assert client.get("/api/v1/auth/me", headers=h).status_code == 401
    again = client.post("/api/v1/auth/token", json={"username": name, "password": pw})
    assert again.status_code == 401


def test_only_admins_manage_accounts(client, accounts):
    name, pw, _ = accounts("operator")
    h = _token(client, name, pw)
    assert client.get("/api/v1/users", headers=h).status_code == 403
    assert client.post("/api/v1/keys", json={"channel": "ditjen"}, headers=h).status_code == 403
    assert client.get("/api/v1/audit", headers=h).status_code == 403
    assert client.get("/api/v1/users").status_code == 401


def test_user_creation_validation_names_fields(client, accounts):
    admin, pw, _ = accounts("admin")
    h = _token(client, admin, pw)
    res = client.post("/api/v1/users", json={"username": "x y", "role": "regional"}, headers=h)
    assert res.status_code == 400
    assert set(res.json["fields"]) == {"username", "region"}
    res = client.post("/api/v1/users", json={"username": "ok", "role": "boss"}, headers=h)
    assert res.json["fields"] == {"role": "one of operator, regional, field, wall, admin"}


def test_audit_trail_records_changes_with_principal_and_no_secrets(client, accounts):
    admin, pw, _ = accounts("admin")
    h = _token(client, admin, pw)
    created = client.post(
        "/api/v1/users",
        json={"username": f"aud-{admin}", "role": "regional", "region": "73"},
        headers=h,
    )
    assert created.status_code == 201 and "password" in created.json
    uid = created.json["id"]
    client.patch(f"/api/v1/users/{uid}", json={"disabled": True}, headers=h)
    key = client.post("/api/v1/keys", json={"channel": "ditjen"}, headers=h).json
    trail = client.get(f"/api/v1/audit?object_type=user&object_id={uid}", headers=h).json
    actions = [(e["action"], e["actor"]) for e in trail["entries"]]
    assert actions == [("user.disable", f"user:{admin}"), ("user.create", f"user:{admin}")]
    disable = trail["entries"][0]
    assert disable["before"] == {"disabled": False} and disable["after"] == {"disabled": True}
    by_actor = client.get(f"/api/v1/audit?actor=user:{admin}", headers=h).json["entries"]
    assert {e["action"] for e in by_actor} >= {"user.create", "user.disable", "key.create"}
    dump = str(by_actor)
    assert created.json["password"] not in dump and key["key"] not in dump
    assert "password_hash" not in dump and "argon2" not in dump
    bad = client.get("/api/v1/audit?since=yesterday", headers=h)
    assert bad.status_code == 400 and "since" in bad.json["fields"]


def test_wall_code_is_one_time_and_the_wall_cannot_change_anything(app, accounts):
    from server.extensions import db
    from server.services import accounts as svc

    with app.app_context():
        session = db.session()
        code, _ = svc.create_wall_code(session, "test", f"Layar {accounts('operator')[0]}")
        session.close()
    wall = app.test_client()
    res = wall.get(f"/wall/login?code={code.lower()}")
    assert res.status_code == 302 and res.headers["Location"] == "/wall"
    assert wall.get("/wall").status_code == 200
    me = wall.get("/api/v1/auth/me").json
    assert me["role"] == "wall" and me["scope"]["national"] is True
    assert app.test_client().get(f"/wall/login?code={code}").status_code == 403  # used
    page = wall.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    for method, path in [
        ("post", "/api/v1/users"),
        ("post", "/api/v1/keys"),
        ("patch", "/api/v1/users/1"),
        ("delete", "/api/v1/keys/1"),
        ("delete", "/api/v1/auth/token"),
    ]:
        res = getattr(wall, method)(path, json={}, headers={"X-CSRF-Token": csrf})
        assert res.status_code == 403, (method, path, res.json)


def test_login_form_needs_csrf_and_logout_invalidates_the_session(app, accounts):
    name, pw, _ = accounts("operator")
    browser = app.test_client()
    no_csrf = browser.post("/login", data={"username": name, "password": pw})
    assert no_csrf.status_code == 403
    page = browser.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    res = browser.post("/login", data={"username": name, "password": pw, "csrf_token": csrf})
    assert res.status_code == 302
    cookie = res.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    assert browser.get("/api/v1/auth/me").json["username"] == name
    stolen = browser.get_cookie("kendali_session").value
    # a state-changing request without the session's CSRF token is refused
    assert browser.post("/logout").status_code == 403
    csrf = re.search(
        r'name="csrf-token" content="([^"]+)"', browser.get("/office").get_data(as_text=True)
    ).group(1)
    assert browser.post("/logout", data={"csrf_token": csrf}).status_code == 302
    replay = app.test_client()
    replay.set_cookie("kendali_session", stolen)
    assert replay.get("/api/v1/auth/me").status_code == 401


def test_brute_force_is_throttled_and_gets_429(app, accounts):
    name, pw, _ = accounts("operator")
    client = app.test_client()
    codes = [
        client.post(
            "/api/v1/auth/token", json={"username": name, "password": f"wrong-{i}-xxxx"}
        ).status_code
        for i in range(5)
    ]
    assert codes == [401] * 5
    waiting = client.post("/api/v1/auth/token", json={"username": name, "password": pw})
    assert waiting.status_code == 429 and "try again later" in waiting.json["error"]
    assert int(waiting.headers["Retry-After"]) in range(55, 61)
    # and the rate limit: more than 10 attempts a minute for one name from one address
    codes = [
        client.post("/api/v1/auth/token", json={"username": name, "password": "x" * 12}).status_code
        for _ in range(8)
    ]
    assert codes[-1] == 429
    assert (
        "Retry-After"
        in client.post("/api/v1/auth/token", json={"username": name, "password": "x"}).headers
    )


def _attempt(client, name, password, address):
    return client.post("/api/v1/auth/token", json={"username": name, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_failed_sign_ins_make_only_that_address_wait(database_url, accounts, engine):
    """A stranger guessing cannot lock the owner out (issue 15: the lock was account-wide)."""
    name, pw, user = accounts("regional", "72")
    client = make_app(database_url).test_client()
    assert [_attempt(client, name, "wrong-password", "10.1.1.1").status_code
            for _ in range(5)] == [401] * 5
    assert _attempt(client, name, pw, "10.1.1.1").status_code == 429  # the guesser waits
    assert _attempt(client, name, pw, "10.2.2.2").status_code == 201  # the owner does not
    with engine.connect() as conn:
        audit = conn.execute(sa.text("SELECT after FROM audit_log WHERE action = "
                                     "'auth.throttle' AND object_id = :i"),
                             {"i": str(user.id)}).scalars().all()
    assert len(audit) == 1 and audit[0]["address"] == "10.1.1.1"


def test_unknown_and_throttled_names_answer_alike(database_url, accounts):
    """Nothing tells whether an account exists: not the status, not the body."""
    name, _, _ = accounts("operator")
    client = make_app(database_url).test_client()
    answers = {}
    for who in (name, f"nobody-{name}"):
        first = [_attempt(client, who, "wrong-password", "10.3.3.3") for _ in range(5)]
        sixth = _attempt(client, who, "wrong-password", "10.3.3.3")
        answers[who] = ([(r.status_code, r.json) for r in first],
                        (sixth.status_code, sixth.json["error"], sorted(sixth.json["fields"])))
    known, unknown = answers.values()
    assert known == unknown
    assert known[1][0] == 429
    page = client.get("/login", environ_base={"REMOTE_ADDR": "10.3.3.3"}).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    forms = [client.post("/login", data={"username": who, "password": "x" * 12,
                                         "csrf_token": csrf},
                         environ_base={"REMOTE_ADDR": "10.3.3.3"}) for who in answers]
    assert [f.status_code for f in forms] == [429, 429]
    assert forms[0].get_data() == forms[1].get_data()


def test_the_wait_doubles_with_each_further_failure(database_url, accounts):
    name, pw, _ = accounts("operator")
    clock = {"now": datetime.now(UTC)}
    client = make_app(database_url, CLOCK=lambda: clock["now"],
                      LOGIN_RATE_LIMIT="1000 per minute").test_client()

    def after(seconds, password="wrong-password"):
        clock["now"] += timedelta(seconds=seconds)
        return _attempt(client, name, password, "10.4.4.4").status_code

    assert [after(1) for _ in range(5)] == [401] * 5  # the fifth: wait 1 minute
    assert after(59) == 429
    assert after(2) == 401  # the sixth failure: wait 2 minutes
    assert after(110) == 429
    assert after(11) == 401  # the seventh: 4 minutes
    assert after(230, pw) == 429
    assert after(11, pw) == 201  # and success starts the count again
    assert [after(1) for _ in range(4)] == [401] * 4


SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
)


@pytest.mark.parametrize(
    "path",
    [
        "/healthz",
        "/login",
        "/api/v1/auth/me",
        "/nope",
        "/api/v1/areas/lookup?lat=x",
        "/static/css/base.css",
    ],
)
def test_every_response_has_the_security_headers(client, path):
    res = client.get(path)
    for name in SECURITY_HEADERS:
        assert name in res.headers, (path, name)
    csp = res.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1][:40]
    assert "frame-ancestors 'none'" in csp
    assert "http" not in csp  # no external origin anywhere
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    res.close()


def test_an_error_never_leaks_a_traceback(database_url):
    app = make_app(database_url)

    @app.get("/api/v1/test-boom")
    def boom():
        raise RuntimeError("secret detail SELECT * FROM users")

    res = app.test_client().get("/api/v1/test-boom")
    assert res.status_code == 500
    assert res.json == {"error": "internal error"}
    assert "Content-Security-Policy" in res.headers


def _cookie_days(response) -> float:
    from email.utils import parsedate_to_datetime

    expires = re.search(r"Expires=([^;]+)", response.headers["Set-Cookie"]).group(1)
    return (parsedate_to_datetime(expires) - datetime.now(UTC)).total_seconds() / 86400


@pytest.mark.parametrize(("role", "days"), [("operator", 0.5), ("regional", 0.5),
                                            ("field", 7.0), ("wall", 365.0)])
def test_the_session_cookie_expires_with_its_roles_session(app, accounts, role, days):
    """Issue 15: every role's cookie lived a year (the wall's lifetime)."""
    browser = app.test_client()
    if role == "wall":
        from server.extensions import db
        from server.services import accounts as svc

        with app.app_context():
            session = db.session()
            code, _ = svc.create_wall_code(session, "test", f"Layar {accounts('operator')[0]}")
            session.close()
        res = browser.get(f"/wall/login?code={code}")
    else:
        name, pw, _ = accounts(role, "72" if role == "regional" else None,
                               4243 if role == "field" else None)
        page = browser.get("/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        res = browser.post("/login", data={"username": name, "password": pw, "csrf_token": csrf})
    assert res.status_code == 302
    assert abs(_cookie_days(res) - days) < 0.01
    assert browser.get("/api/v1/auth/me").json["role"] == role
    later = browser.get("/api/v1/auth/me")  # the cookie refreshed on use keeps its end
    if "Set-Cookie" in later.headers:
        assert abs(_cookie_days(later) - days) < 0.01


def test_a_regional_account_needs_a_loaded_area(client, accounts, database_url):
    """Issue 15: `--region 99.99` (and the API) made an account that could see nothing."""
    import subprocess
    import sys
    from pathlib import Path

    admin, pw, _ = accounts("admin")
    h = _token(client, admin, pw)
    for region in ("99.99", "99", "72.99"):
        res = client.post("/api/v1/users", headers=h,
                          json={"username": f"r{region}-{admin}", "role": "regional",
                                "region": region})
        assert res.status_code == 400, region
        assert res.json["fields"] == {"region": "not a loaded province or regency code"}
    ok = client.post("/api/v1/users", headers=h,
                     json={"username": f"palu-{admin}", "role": "regional", "region": "72.71"})
    assert ok.status_code == 201
    kendali = str(Path(sys.executable).parent / "kendali")
    res = subprocess.run(
        [kendali, "users", "create", "--username", f"cli-{admin}", "--role", "regional",
         "--region", "99.99"],
        env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60)
    assert res.returncode == 1 and "not a loaded province or regency code" in res.stderr
    assert client.get("/api/v1/users", headers=h).json["users"][-1]["username"] == f"palu-{admin}"
