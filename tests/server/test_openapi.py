"""The OpenAPI description is complete (every /api/v1 and /ogc route) and true: schemathesis
fuzzes a real server with an operator token and finds no 5xx, no undocumented status code,
content type or response shape. Bounded: a fixed number of examples per operation, a fixed
seed (derandomized), loopback only."""

import os
import re
import time
import uuid

import pytest
import requests
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck
from hypothesis import Phase
from hypothesis import given
from hypothesis import settings
from schemathesis.checks import content_type_conformance
from schemathesis.checks import not_a_server_error
from schemathesis.checks import response_schema_conformance
from schemathesis.checks import status_code_conformance

from server.web.api_openapi import paths
from tests.conftest import start_server
from tests.conftest import stop_server
from tests.helpers import bearer
from tests.helpers import token_for

# Per operation (59 operations): about two minutes on the 2-core machine. A deeper hunt:
# KENDALI_FUZZ_EXAMPLES=200 ./scripts/test tests/server/test_openapi.py
EXAMPLES = int(os.environ.get("KENDALI_FUZZ_EXAMPLES", "25"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
_RULE_ARG = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def test_every_route_is_described(app):
    described = paths()
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/api/v1/", "/ogc/")):
            continue
        path = _RULE_ARG.sub(r"{\1}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method.lower() not in described.get(path, {}):
                missing.append(f"{method} {path}")
    assert not missing, f"routes missing from /api/v1/openapi.json: {missing}"
    extra = [p for p in described if not any(
        _RULE_ARG.sub(r"{\1}", r.rule) == p for r in app.url_map.iter_rules())]
    assert not extra, f"described but not served: {extra}"


def test_the_description_is_served(client):
    res = client.get("/api/v1/openapi.json")
    assert res.status_code == 200 and res.json["openapi"].startswith("3.0")
    assert res.json["servers"][0]["url"] == "http://localhost"


@pytest.fixture(scope="module")
def fuzz_server(database_url, engine):
    """Its own server (generous token rate limit), on the test database; what the fuzzer
    created (responders, incidents, dispatches) is removed afterwards."""
    server = start_server(database_url, KENDALI_TOKEN_RATE_LIMIT="100000 per minute")
    yield server
    stop_server(server)
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE responders, incidents, dispatches, "
                             "notification_deliveries, responder_positions CASCADE"))


@pytest.fixture(scope="module")
def operator_headers(fuzz_server, app):
    from server.extensions import db
    from server.services import accounts

    name, password = f"fuzz-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    with app.app_context():
        session = db.session()
        accounts.create_user(session, "test", name, "operator", None, password, None)
        session.close()
    return bearer(token_for(fuzz_server.url, name, password))


@pytest.fixture(scope="module")
def api_schema(fuzz_server):
    schema = schemathesis.openapi.from_url(f"{fuzz_server.url}/api/v1/openapi.json")
    # Revoking the token in use would turn every later call into a 401.
    return schema.exclude(path="/api/v1/auth/token", method="DELETE")


def _fuzz(operation, headers: dict, stats: dict) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink])
    def run(case):
        if case.query and isinstance(case.query.get("limit"), int):
            # Pages of 10,000 national boundaries are valid but would eat the time budget.
            case.query["limit"] = min(case.query["limit"], 200)
        stats["calls"] += 1
        case.call_and_validate(headers=headers, checks=CHECKS, timeout=60)

    run()


def test_the_api_matches_its_description(api_schema, operator_headers):
    """Every operation, ``EXAMPLES`` generated cases each (schemathesis' Python API)."""
    stats, failures, started = {"calls": 0}, [], time.monotonic()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    for operation in operations:
        try:
            _fuzz(operation, operator_headers, stats)
        except (Exception, BaseExceptionGroup) as exc:  # collect all, then fail once
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    elapsed = time.monotonic() - started
    print(f"\nSCHEMATHESIS {len(operations)} operations, {stats['calls']} calls, "
          f"{elapsed:.0f} s")
    assert not failures, "\n\n".join(failures)
    assert stats["calls"] >= 3 * len(operations) and elapsed < 600


def test_deeply_nested_json_is_a_400_on_every_operation_with_a_body(fuzz_server,
                                                                    operator_headers):
    """The fuzzer's generated bodies stay shallow; this case is what an attacker sends
    (issue 15: RecursionError, 500 and a traceback per request before)."""
    deep = "[" * 50_000 + "]" * 50_000
    headers = {**operator_headers, "Content-Type": "application/json"}
    tried = []
    for path, methods in paths().items():
        for method, spec in methods.items():
            if "requestBody" not in spec:
                continue
            url = fuzz_server.url + re.sub(r"\{[a-z_]+\}", "1", path)
            res = requests.request(method, url, data=deep, headers=headers, timeout=30)
            assert res.status_code == 400, (method, path, res.status_code, res.text[:200])
            assert res.json()["fields"] == {"body": "malformed JSON"}, (method, path)
            tried.append(f"{method} {path}")
    assert len(tried) >= 15, tried


def test_the_two_cases_schemathesis_found(fuzz_server, operator_headers, app, engine):
    """Issue 15: ``{"responder_id": true}`` (a bool passed the int check and reached SQL)
    and reassigning a dispatch that has ended (500): now 400 and 409 naming the field, and
    the answers match the description."""
    from tests.server.dispatch_support import PALU
    from tests.server.dispatch_support import incident
    from tests.server.dispatch_support import responder

    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE responders, incidents, dispatches CASCADE"))
    responder(app, "tagana", "Fuzz", -0.90, 119.87)
    iid = incident(app, PALU)
    (did,), = engine.connect().execute(sa.text("SELECT id FROM dispatches")).all()
    engine.dispose()
    calls = [("POST", f"/api/v1/incidents/{iid}/dispatch", {"area": "72.71",
                                                            "responder_id": True}, 400),
             ("POST", f"/api/v1/dispatches/{did}/reassign", {"responder_id": True}, 400),
             ("POST", f"/api/v1/dispatches/{did}/cancel", {}, 200),
             ("POST", f"/api/v1/dispatches/{did}/reassign", {"responder_id": 1}, 409)]
    for method, path, body, status in calls:
        res = requests.request(method, fuzz_server.url + path, json=body,
                               headers=operator_headers, timeout=30)
        assert res.status_code == status, (path, res.status_code, res.text[:300])
        if status >= 400:  # documented for every operation: 4XX with the Error body
            assert res.json()["fields"], res.text


def test_no_network_beyond_loopback(api_schema):
    assert all(s["url"].startswith("http://127.0.0.1:")
               for s in requests.get(api_schema.location, timeout=10).json()["servers"])
