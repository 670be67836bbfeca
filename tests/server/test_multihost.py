"""The multi-host layout on one machine: two ``kendali serve`` behind nginx (ip_hash) with
Redis and one PostgreSQL. A client connected through the proxy (long-polling, then the
upgrade, as a browser) receives events committed through either app, directly or through
the proxy (``kendali smoke multihost`` runs the same check; ``--docker`` on compose)."""

from tools import multihost
from tools.bench.procs import Procs


def test_a_client_behind_the_proxy_gets_events_committed_through_every_app(app, database_url):
    with app.app_context():
        token, key = multihost.credentials(say=lambda _: None)
    lines: list[str] = []
    with Procs() as procs:
        layout = multihost.LocalLayout(procs, database_url, 2).start()
        try:
            multihost.check(layout.proxy, layout.apps, token, key, timeout=20,
                            say=lines.append)
        finally:
            layout.close()
    held = lines[0]
    assert "held by ['http://" in held, held  # one app holds the client, found by /healthz
    assert any("(another app)" in line for line in lines), lines
    assert sum("at the client after" in line for line in lines) == 3  # both apps, the proxy
