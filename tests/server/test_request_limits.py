"""Bounded request bodies and rate limits that cannot be sidestepped (issue 15).

Deeply nested JSON is a 400 "malformed JSON" on every JSON endpoint (it was a 500 from a
RecursionError, in the login limiter's key too); limits key on the credential as
authentication reads it; anonymous endpoints have a budget per address."""

import pytest

from tests.conftest import make_app
from tests.server.complaints_support import *  # noqa: F403 - the fixtures
from tests.server.complaints_support import complaint

DEEP = "[" * 100_000 + "]" * 100_000
DEEP_IN_OBJECT = '{"username": "x", "password": ' + DEEP + "}"


def _token(client, name, pw):
    res = client.post("/api/v1/auth/token", json={"username": name, "password": pw})
    assert res.status_code == 201, res.json
    return {"Authorization": f"Bearer {res.json['token']}"}


def _malformed(res):
    assert res.status_code == 400, (res.status_code, res.get_data(as_text=True)[:200])
    assert res.json["fields"] == {"body": "malformed JSON"}


@pytest.mark.parametrize("body", [DEEP, DEEP_IN_OBJECT, "[" * 40 + "]" * 40, "[" * 5000])
def test_deeply_nested_json_is_a_400_on_every_json_endpoint(
    client, accounts, channel_key, clean_complaints, body
):
    name, pw, _ = accounts("operator")
    op = _token(client, name, pw)
    key = channel_key()
    for method, path, headers in [
        ("post", "/api/v1/auth/token", {}),
        ("post", "/api/v1/complaints", key),
        ("post", "/api/v1/complaints/batch", key),
        ("patch", "/api/v1/complaints/1", op),
        ("post", "/api/v1/incidents", op),
        ("post", "/api/v1/dispatches/1/cancel", op),  # its view reads the body "silently"
        ("post", "/api/v1/users", op),
    ]:
        res = getattr(client, method)(path, data=body, content_type="application/json",
                                      headers=headers)
        _malformed(res)


def test_nested_json_sent_as_another_type_is_still_refused(client, channel_key):
    res = client.post("/api/v1/complaints", data=DEEP, content_type="text/plain",
                      headers=channel_key())
    _malformed(res)
    res = client.post("/api/v1/complaints/batch", data=complaint_line() + "\n" + DEEP + "\n",
                      content_type="application/x-ndjson", headers=channel_key())
    assert res.status_code == 200
    assert [r["code"] for r in res.json["results"]] == [201, 400]


def complaint_line():
    import json

    return json.dumps(complaint())


def test_reasonable_nesting_still_works(client, accounts):
    name, pw, _ = accounts("operator")
    op = _token(client, name, pw)
    square = [[[106.8, -6.2], [106.9, -6.2], [106.9, -6.1], [106.8, -6.1], [106.8, -6.2]]]
    res = client.post("/api/v1/incidents", headers=op, json={
        "hazard": "flood", "severity": "moderate", "title": "Banjir uji",
        "area": {"type": "MultiPolygon", "coordinates": [square]}})
    assert res.status_code == 201, res.json


def test_the_body_size_is_bounded_per_endpoint(client, accounts):
    res = client.post("/api/v1/auth/token", data=b"{" + b" " * (1024 * 1024) + b"}",
                      content_type="application/json")
    assert res.status_code == 413 and "1 MiB" in res.json["error"]


def test_nested_json_does_not_break_the_login_limit(database_url, accounts):
    name, _, _ = accounts("operator")
    client = make_app(database_url, LOGIN_RATE_LIMIT="3 per minute").test_client()
    for _ in range(3):
        _malformed(client.post("/api/v1/auth/token", data=DEEP_IN_OBJECT,
                               content_type="application/json"))
    codes = [client.post("/api/v1/auth/token", json={"username": name, "password": "x" * 12})
             .status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_bearer_limit_keys_on_the_token_as_authentication_reads_it(database_url, accounts):
    name, pw, _ = accounts("operator")
    client = make_app(database_url, TOKEN_RATE_LIMIT="3 per minute").test_client()
    token = _token(client, name, pw)["Authorization"].split()[1]
    spellings = [f"Bearer {token}", f"bearer   {token}", f"BEARER {token}  ", f"Bearer {token}\t"]
    codes = [client.get("/api/v1/auth/me", headers={"Authorization": h}).status_code
             for h in spellings]
    assert codes[:3] == [200, 200, 200] and codes[3] == 429


def test_login_limit_keys_on_the_normalised_username(database_url, accounts):
    name, _, _ = accounts("operator")
    client = make_app(database_url, LOGIN_RATE_LIMIT="3 per minute").test_client()
    spellings = [name, name.upper(), f"  {name}  ", f"\t{name.title()} "]
    codes = [client.post("/api/v1/auth/token", json={"username": n, "password": "x" * 12})
             .status_code for n in spellings]
    assert codes == [401, 401, 401, 429]


def test_anonymous_endpoints_have_a_budget_per_address(database_url, accounts):
    client = make_app(database_url, ANONYMOUS_RATE_LIMIT="4 per minute").test_client()
    here = {"REMOTE_ADDR": "10.9.0.1"}
    codes = [client.get("/api/v1/areas/lookup?lat=-0.9&lon=119.87", environ_base=here)
             .status_code for _ in range(3)]
    codes.append(client.get("/healthz", environ_base=here).status_code)
    codes.append(client.get("/api/v1/areas/lookup?lat=-0.9&lon=119.87", environ_base=here)
                 .status_code)
    assert codes == [200, 200, 200, 200, 429]
    assert client.get("/healthz", environ_base=here).status_code == 429  # one budget for all
    elsewhere = {"REMOTE_ADDR": "10.9.0.2"}
    assert client.get("/healthz", environ_base=elsewhere).status_code == 200
    # credentials are counted per credential instead, not against the address
    name, pw, _ = accounts("operator")
    headers = {"Authorization": f"Bearer {_login(client, name, pw, elsewhere)}"}
    res = client.get("/api/v1/areas/lookup?lat=-0.9&lon=119.87", headers=headers,
                     environ_base=here)
    assert res.status_code == 200


def _login(client, name, pw, environ):
    res = client.post("/api/v1/auth/token", json={"username": name, "password": pw},
                      environ_base=environ)
    assert res.status_code == 201, res.json
    return res.json["token"]
