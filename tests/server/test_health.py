"""``/healthz`` with the national boundaries, and with the database gone."""

from tests.conftest import make_app


def test_healthz_reports_postgis_and_every_level(client):
    res = client.get("/healthz")
    assert res.status_code == 200
    body = res.json
    assert body["status"] == "ok"
    assert body["postgis"].startswith("3.")
    assert body["areas"] == {"province": 38, "regency": 514, "district": 7285}
    assert body["database"] == "external"


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
