"""Who Kendali answers for and who may open its socket (issue 15): the /live Origin check,
the CSP's connect-src, Socket.IO's security headers, trusted hosts and absolute links."""

import re

import pytest
import requests
import socketio

from tests.conftest import make_app
from tests.conftest import start_server
from tests.conftest import stop_server
from tests.helpers import token_for

DASHBOARD = "http://dashboard.example.go.id:8080"


@pytest.fixture(scope="module")
def served(database_url):
    server = start_server(database_url, KENDALI_ALLOWED_ORIGINS=DASHBOARD)
    yield server
    stop_server(server)


def _connect(base: str, token: str, origin: str | None, transport: str = "websocket"):
    # websocket-client sends an Origin of its own unless told which (or none) to send.
    ws_origin = {"origin": origin} if origin else {"suppress_origin": True}
    client = socketio.Client(reconnection=False, websocket_extra_options=ws_origin)
    headers = {"Origin": origin} if origin and transport == "polling" else {}
    client.connect(base, namespaces=["/live"], auth={"token": token}, headers=headers,
                   transports=[transport], wait_timeout=10)
    return client


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_live_refuses_pages_of_other_origins(served, accounts, transport):
    name, pw, _ = accounts("operator")
    token = token_for(served.url, name, pw)
    port = served.url.rsplit(":", 1)[1]
    for foreign in ("http://127.0.0.1:1", f"http://localhost:{port}", "https://evil.example",
                    "null"):
        with pytest.raises(socketio.exceptions.ConnectionError):
            _connect(served.url, token, foreign, transport)
    for allowed in (served.url, DASHBOARD, None):  # own origin, configured, no browser
        client = _connect(served.url, token, allowed, transport)
        assert client.connected
        client.disconnect()


def test_socket_io_answers_carry_the_security_headers(served):
    res = requests.get(f"{served.url}/socket.io/?EIO=4&transport=polling", timeout=5)
    assert res.status_code == 200
    for name, value in [("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
                        ("Referrer-Policy", "no-referrer"), ("Cache-Control", "no-store"),
                        ("Cross-Origin-Resource-Policy", "same-origin")]:
        assert res.headers.get(name) == value, name
    assert "default-src 'none'" in res.headers["Content-Security-Policy"]


def _connect_src(res) -> list[str]:
    csp = res.headers["Content-Security-Policy"]
    return re.search(r"connect-src ([^;]*)", csp).group(1).split()


def test_the_csp_connects_only_to_our_own_socket_and_allowed_origins(database_url):
    plain = make_app(database_url).test_client().get("/login")
    assert _connect_src(plain) == ["'self'", "ws://localhost"]
    app = make_app(database_url, PUBLIC_URL="https://kendali.example.go.id",
                   ALLOWED_ORIGINS=[DASHBOARD])
    public = app.test_client().get("/login")
    assert _connect_src(public) == ["'self'", "wss://kendali.example.go.id",
                                    "ws://dashboard.example.go.id:8080", DASHBOARD]
    assert all(s not in ("ws:", "wss:", "*") for s in _connect_src(public))


def test_an_untrusted_host_is_refused_before_it_reaches_a_link(database_url):
    client = make_app(database_url).test_client()
    evil = {"Host": "evil.example"}
    for path in ("/api/v1/openapi.json", "/ogc/", "/healthz", "/login"):
        res = client.get(path, headers=evil)
        assert res.status_code == 400, path
        assert "evil.example" not in res.get_data(as_text=True)
    assert client.get("/api/v1/openapi.json").json["servers"][0]["url"] == "http://localhost"
    listed = make_app(database_url, TRUSTED_HOST_NAMES=["kendali.lan"]).test_client()
    assert listed.get("/ogc/", headers={"Host": "kendali.lan:5000"}).status_code == 200
    assert listed.get("/ogc/", headers={"Host": "localhost"}).status_code == 400


def test_links_come_from_the_public_url(database_url, accounts, client):
    app = make_app(database_url, PUBLIC_URL="https://kendali.example.go.id/")
    public = app.test_client()
    name, pw, _ = accounts("operator")
    headers = {"Authorization": "Bearer " + client.post(
        "/api/v1/auth/token", json={"username": name, "password": pw}).json["token"]}
    evil = {**headers, "Host": "evil.example"}
    spec = public.get("/api/v1/openapi.json", headers=evil).json
    assert spec["servers"][0]["url"] == "https://kendali.example.go.id"
    landing = public.get("/ogc/?f=json", headers=evil).json
    assert all(link["href"].startswith("https://kendali.example.go.id/")
               for link in landing["links"])
    atom = public.get("/api/v1/alerts.atom?days=2", headers=evil).get_data(as_text=True)
    assert "evil.example" not in atom
    assert 'href="https://kendali.example.go.id/api/v1/alerts.atom?days=2"' in atom
    items = public.get("/ogc/collections/provinces/items?limit=2&f=json", headers=evil).json
    following = next(link["href"] for link in items["links"] if link["rel"] == "next")
    assert following.startswith("https://kendali.example.go.id/ogc/collections/provinces/")
