"""The national map viewport over HTTP, ours against tipg's, on the same complaints table.

Ours: ``GET /api/v1/map/complaints?bbox=94,-11.5,141.5,6.5&zoom=5``, the wall's national view
(exact counts per regency, gzipped JSON). tipg: a reference OGC Features/Tiles server for
PostGIS, run as its own uvicorn process on ``public.complaints`` of the same database.

Which tipg request is the comparable one: tipg has no aggregation, so a map shows a point
layer of that size with its vector tiles. We fetch every Web Mercator tile of zoom 5 that
covers the same box (the tiles a map of that view loads), with the properties the view
colours by (``status``, ``overdue``), and add up their times and transferred bytes. Its
items endpoint is no alternative: at most 10,000 GeoJSON features per request, 1,000,000
would take 100 pages. tipg's default cap of 10,000 features per tile is kept, which favours
tipg: its tiles then carry a sample of the points, ours carries every complaint counted.
Tiles are fetched one after another on one keep-alive connection, like our request.
"""

from __future__ import annotations

import math
import statistics
import time
from urllib.parse import quote

import requests
from sqlalchemy import text

from server.extensions import db

NATIONAL = (94.0, -11.5, 141.5, 6.5)
ZOOM = 5
PATH = "/api/v1/map/complaints?bbox=94,-11.5,141.5,6.5&zoom=5"


def count_complaints() -> int:
    with db.session() as session:
        return int(session.execute(text("SELECT count(*) FROM complaints")).scalar())


def ensure_complaints(target: int, echo) -> int:
    """At least ``target`` complaints (demo ones added when fewer exist); return the count."""
    from server.commands.demo_complaints import generate

    have = count_complaints()
    if have < target:
        echo(f"bench: generating {target - have} demo complaints (have {have})")
        t0 = time.perf_counter()
        # A seed of its own for each top-up: demo ids are per seed, so none collide.
        generate(target - have, 1000 + have)
        echo(f"bench: generated in {time.perf_counter() - t0:.0f} s")
        with db.session() as session:
            session.execute(text("ANALYZE complaints"))
            session.commit()
        have = count_complaints()
    return have


def tiles(box=NATIONAL, zoom: int = ZOOM) -> list[tuple[int, int, int]]:
    """The Web Mercator (XYZ) tiles of ``zoom`` covering ``box``."""
    n = 2 ** zoom

    def x(lon: float) -> int:
        return min(n - 1, int((lon + 180) / 360 * n))

    def y(lat: float) -> int:
        r = math.radians(lat)
        return min(n - 1, int((1 - math.asinh(math.tan(r)) / math.pi) / 2 * n))

    return [(zoom, tx, ty) for tx in range(x(box[0]), x(box[2]) + 1)
            for ty in range(y(box[3]), y(box[1]) + 1)]


def _get(http: requests.Session, url: str, headers: dict) -> tuple[float, int]:
    """One request: seconds until the whole body is in, and bytes transferred (body)."""
    t0 = time.perf_counter()
    res = http.get(url, headers=headers, stream=True, timeout=60)
    body = res.raw.read(decode_content=False)
    elapsed = time.perf_counter() - t0
    res.close()
    if res.status_code != 200:
        raise RuntimeError(f"GET {url}: {res.status_code} {body[:200]!r}")
    return elapsed, len(body)


def asyncpg_url() -> str:
    """The bench database as a plain PostgreSQL URL for asyncpg (unix socket as host)."""
    from sqlalchemy.engine import make_url

    url = make_url(db.url())
    host = url.query.get("host") or url.host or "localhost"
    if isinstance(host, tuple):
        host = host[0]
    port = url.query.get("port") or url.port
    auth = quote(url.username or "postgres") + (f":{quote(url.password)}" if url.password
                                                 else "")
    return (f"postgresql://{auth}@{quote(str(host), safe='')}"
            f"{f':{port}' if port else ''}/{url.database}")


def run(procs, server_url: str, token: str, line, quick: bool, echo) -> None:
    n = ensure_complaints(100_000 if quick else 1_000_000, echo)
    line("viewport_complaints", n, "complaints")
    rounds = 11 if quick else 31
    gzip = {"Accept-Encoding": "gzip"}
    ours = requests.Session()
    auth = {**gzip, "Authorization": f"Bearer {token}"}
    for _ in range(3):
        _get(ours, server_url + PATH, auth)
    timings = [_get(ours, server_url + PATH, auth) for _ in range(rounds)]
    ours_ms = statistics.median(t for t, _ in timings) * 1000
    line("viewport_national_ms", ours_ms, "ms")
    line("viewport_national_kb", statistics.median(b for _, b in timings) / 1024, "KB")

    import importlib.util

    if not all(importlib.util.find_spec(m) for m in ("tipg", "uvicorn")):
        raise RuntimeError("tipg is not installed: pip install -e '.[bench]' (./scripts/bench "
                           "does it)")
    tipg = procs.tipg(asyncpg_url())
    try:
        http = requests.Session()
        base = f"{tipg.url}/collections/public.complaints/tiles/WebMercatorQuad"
        urls = [f"{base}/{z}/{x}/{y}?properties=status,overdue" for z, x, y in tiles()]
        rounds_t = []
        for i in range(2 + max(3, rounds // 3)):
            got = [_get(http, u, gzip) for u in urls]
            if i >= 2:  # two warm-up rounds (catalog, plans, caches)
                rounds_t.append((sum(t for t, _ in got), sum(b for _, b in got)))
        tipg_ms = statistics.median(t for t, _ in rounds_t) * 1000
        line("viewport_tipg_ms", tipg_ms, "ms")
        line("viewport_tipg_tiles", len(urls), "tiles")
        line("viewport_tipg_kb", statistics.median(b for _, b in rounds_t) / 1024, "KB")
        line("viewport_vs_tipg", ours_ms / tipg_ms, "ratio")  # ours / tipg: lower is better
    finally:
        procs.stop(tipg)
