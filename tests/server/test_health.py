"""``/healthz`` with the national boundaries, and with the database gone."""

from tests.conftest import make_app


def _bearer(client, accounts, role):
    name, pw, _ = accounts(role)
    res = client.post("/api/v1/auth/token", json={"username": name, "password": pw})
    return {"Authorization": f"Bearer {res.json['token']}"}


def test_healthz_reports_postgis_and_every_level_to_admins(client, accounts):
    res = client.get("/healthz", headers=_bearer(client, accounts, "admin"))
    assert res.status_code == 200
    body = res.json
    assert body["status"] == "ok"
    assert body["postgis"].startswith("3.")
    assert body["areas"] == {"province": 38, "regency": 514, "district": 7285}
    assert body["database"] == "external"
    assert isinstance(body["event_seq"], int) and isinstance(body["feeds"], dict)


def test_public_healthz_is_status_and_counts_only(client, accounts, engine):
    """Issue 15: feed URLs, raw errors and the national event counter were public."""
    import sqlalchemy as sa

    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO feed_state (name, url, last_error, stale, consecutive_failures, "
            "records_accepted, records_rejected, payloads_rejected) VALUES ('healthz-test', "
            "'http://internal.example/feed', 'HTTP 500', false, 1, 0, 0, 0) "
            "ON CONFLICT (name) DO NOTHING"))
        conn.execute(sa.text(
            "INSERT INTO warning_rejections (source, origin, field, reason) VALUES "
            "('poll', 'http://internal.example/cap.xml', 'info', 'healthz-test')"))
    try:
        public = client.get("/healthz").json
        assert set(public) == {"status", "areas", "quakes", "warnings", "demo", "redis",
                               "live"}
        assert set(public["warnings"]) == {"active", "stored", "rejected"}  # counts only
        staff = client.get("/healthz", headers=_bearer(client, accounts, "operator")).json
        assert set(staff) == set(public) | {"event_seq", "feeds", "holidays"}
        refused = [r for r in staff["warnings"]["last_rejections"] if r["reason"] == "healthz-test"]
        assert refused and "origin" not in refused[0]
        feed = staff["feeds"]["healthz-test"]
        assert "url" not in feed and "last_error" not in feed and feed["consecutive_failures"] == 1
        admin = client.get("/healthz", headers=_bearer(client, accounts, "admin")).json
        assert admin["feeds"]["healthz-test"]["url"] == "http://internal.example/feed"
        assert admin["feeds"]["healthz-test"]["last_error"] == "HTTP 500"
        assert {"reason": "healthz-test", "origin": "http://internal.example/cap.xml"}.items() \
            <= admin["warnings"]["last_rejections"][0].items()
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM feed_state WHERE name = 'healthz-test'"))
            conn.execute(sa.text("DELETE FROM warning_rejections WHERE reason = 'healthz-test'"))


def test_healthz_is_503_with_a_reason_when_the_database_is_unreachable(tmp_path):
    app = make_app(f"postgresql+psycopg2://postgres@/kendali?host={tmp_path}")
    res = app.test_client().get("/healthz")
    assert res.status_code == 503
    assert res.json == {"status": "unavailable", "reason": "database unreachable"}


def test_api_errors_never_leak_sql_or_tracebacks(tmp_path):
    app = make_app(f"postgresql+psycopg2://postgres@/kendali?host={tmp_path}")
    res = app.test_client().get("/api/v1/areas/lookup?lat=-6.2&lon=106.8")
    assert res.status_code == 503
    text = res.get_data(as_text=True)
    assert "Traceback" not in text and "SELECT" not in text and "psycopg2" not in text
