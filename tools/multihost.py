"""The multi-host layout's smoke test: a client behind the proxy gets what another app committed.

:func:`check` works on any running layout: a proxy URL and the URLs of two or more app
processes (containers) behind it. It connects a live client through the proxy the way a
browser does (HTTP long-polling first, then the upgrade to a websocket: without sticky
sessions the proxy sends the polls to different apps and the handshake fails), finds which
app holds it (``/healthz`` counts each process's live clients), then submits a complaint
directly to every app and waits for each one's ``complaint.created`` at the client. An event
committed through an app other than the client's must arrive: that is the layout working.

:class:`LocalLayout` builds the same topology on this machine without Docker: Debian's
``redis-server`` and ``nginx`` and two ``kendali serve`` processes on the configured database.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

from tools.bench.procs import Procs
from tools.bench.procs import free_port
from tools.bench.procs import wait_http


class CheckFailed(RuntimeError):
    pass


def live_clients(url: str) -> int:
    return requests.get(url + "/healthz", timeout=10).json()["live"]["clients"]


def check(proxy: str, apps: list[str], token: str, key: str, timeout: float = 30.0,
          say=print) -> None:
    """Raise :class:`CheckFailed` unless a proxied client gets every app's event."""
    import socketio

    before = [live_clients(u) for u in apps]
    got: dict[int, float] = {}
    done = threading.Condition()

    def on_event(msg):
        if msg.get("type") == "complaint.created":
            with done:
                got[(msg.get("payload") or {}).get("id")] = time.time()
                done.notify_all()

    client = socketio.Client(reconnection=False)
    client.on("event", on_event, namespace="/live")
    client.connect(proxy, namespaces=["/live"], auth={"token": token}, wait_timeout=20,
                   transports=["polling", "websocket"])
    try:
        time.sleep(1.0)
        after = [live_clients(u) for u in apps]
        holders = [u for u, b, a in zip(apps, before, after, strict=True) if a > b]
        say(f"client connected through {proxy} ({client.transport()}), held by "
            f"{holders or 'an app not listed'}")
        for app in [*apps, proxy]:
            cid, sent = _submit(app, key), time.time()
            with done:
                done.wait_for(lambda c=cid: c in got, timeout)
            if cid not in got:
                raise CheckFailed(f"complaint {cid} committed through {app} never reached "
                                  f"the client held by {holders}")
            other = "another app" if app not in holders and app != proxy else "the same app" \
                if app != proxy else "the proxy"
            say(f"complaint {cid} committed through {app} ({other}): at the client after "
                f"{(got[cid] - sent) * 1000:.0f} ms")
    finally:
        client.disconnect()


def _submit(base: str, key: str) -> int:
    body = {"external_id": f"smoke-{uuid.uuid4().hex[:12]}", "category": "other",
            "received_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "description": "Uji jalur multi-host (smoke test)",
            "location": {"lat": -0.8917, "lon": 119.8707}}  # Palu
    res = requests.post(base + "/api/v1/complaints", json=body, timeout=30,
                        headers={"Authorization": f"Bearer {key}"})
    if res.status_code != 201:
        raise CheckFailed(f"{base}: complaint answered {res.status_code}: {res.text[:200]}")
    return res.json()["id"]


NGINX = """worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fcgi; uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
    upstream kendali {{
        ip_hash;
{servers}
    }}
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 8m;
        location / {{
            proxy_pass http://kendali;
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 120s;
            proxy_next_upstream error timeout;
        }}
    }}
}}
"""


class LocalLayout:
    """redis-server, ``n`` ``kendali serve`` processes and nginx (ip_hash) on loopback."""

    def __init__(self, procs: Procs, database_url: str, n: int = 2) -> None:
        self.procs, self.database_url, self.n = procs, database_url, n
        self.dir = tempfile.mkdtemp(prefix="kendali-multihost-")
        self.apps: list[str] = []
        self.proxy = ""

    def start(self) -> LocalLayout:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            raise CheckFailed("nginx is not installed (Debian: apt-get install nginx-light)")
        redis = self.procs.redis()
        env = {"KENDALI_REDIS_URL": redis.url, "KENDALI_PROXY_HOPS": "1"}
        servers = [self.procs.server(self.database_url, wait=False, **env)
                   for _ in range(self.n)]
        for s in servers:
            wait_http(s, s.url + "/healthz", 90)
        self.apps = [s.url for s in servers]
        port = free_port()
        lines = "\n".join(f"        server {u.removeprefix('http://')} max_fails=1 "
                          "fail_timeout=5s;" for u in self.apps)
        conf = Path(self.dir) / "nginx.conf"
        conf.write_text(NGINX.format(dir=self.dir, servers=lines, port=port))
        proc = self.procs.spawn("nginx", [nginx, "-c", str(conf), "-p", self.dir, "-g",
                                          "daemon off;"])
        self.proxy = f"http://127.0.0.1:{port}"
        wait_http(proc, self.proxy + "/healthz", 30)
        return self

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def credentials(say=print) -> tuple[str, str]:
    """An operator's bearer token and a channel key for the check (app context)."""
    from server.extensions import db
    from server.services import accounts

    with db.session() as session:
        name = f"smoke-{uuid.uuid4().hex[:8]}"
        user, _ = accounts.create_user(session, "cli:smoke", name, "operator", None,
                                       "pw-" + name)
        token, _ = accounts.issue_token(session, user, "api", hours=1.0)
        session.commit()
        _, key = accounts.create_key(session, "cli:smoke", "sp4n_lapor", "multi-host smoke")
    say(f"smoke: operator {name} and a channel key created")
    return token, key


def env_flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0")


def run_docker(compose_file: str, say=print) -> None:
    """``docker compose`` up (build), the check against the published ports, down."""
    base = ["docker", "compose", "-f", compose_file]
    subprocess.run([*base, "up", "-d", "--build", "--wait"], check=True)
    try:
        def kendali(*args: str) -> str:
            return subprocess.run([*base, "exec", "-T", "app1", "kendali", *args], check=True,
                                  capture_output=True, text=True).stdout

        name = f"smoke-{uuid.uuid4().hex[:8]}"
        password = "pw-" + name
        subprocess.run([*base, "exec", "-T", "app1", "kendali", "users", "create",
                        "--username", name, "--role", "operator", "--password-stdin"],
                       input=password, text=True, check=True, capture_output=True)
        token = requests.post("http://127.0.0.1:8080/api/v1/auth/token", timeout=30,
                              json={"username": name, "password": password}).json()["token"]
        key = kendali("keys", "create", "--channel", "sp4n_lapor").split()[-1]
        check("http://127.0.0.1:8080", ["http://127.0.0.1:5001", "http://127.0.0.1:5002"],
              token, key, say=say)
    finally:
        subprocess.run([*base, "down", "-v"], check=False)
