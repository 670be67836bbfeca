"""A load-client worker holding thousands of :class:`~tools.bench.wsclient.LiteClient`.

The same line protocol as :mod:`tools.bench.loadclient` (one JSON command per line on stdin,
one JSON answer per line on stdout, every wait bounded by the command's ``timeout``), for
the 10,000-client figures. Latencies are measured twice per delivery: from the kernel's
receive timestamp (``lat``) and from when this process read the frame (``app_lat``).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import re
import resource
import sys
import time

from tools.bench.wsclient import LiteClient

# The wire form is json.dumps of {"seq", "type", "time", "regions", "payload"}: seq first.
_SEQ = re.compile(r'^\["event",\{"seq":(\d+)')
_SENT = re.compile(r'"bench_t":([0-9.eE+-]+)')


def raise_nofile() -> int:
    """Soft limit of open files up to the hard limit (each connection is a descriptor)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


class Client:
    __slots__ = ("cid", "url", "token", "offer", "conn", "last", "seqs", "arrived", "lat",
                 "app_lat", "synced_at", "resets")

    def __init__(self, cid: int, url: str, token: str, offer: str | None = None) -> None:
        self.cid, self.url, self.token, self.offer = cid, url, token, offer
        self.conn: LiteClient | None = None
        self.last: int | None = None
        self.seqs: list[int] = []
        self.arrived: dict[int, float] = {}
        self.lat: dict[int, float] = {}
        self.app_lat: dict[int, float] = {}
        self.synced_at: float | None = None
        self.resets = 0

    @property
    def up(self) -> bool:
        return self.conn is not None and self.conn.up

    def on_event(self, text: str, kernel: float, app: float) -> None:
        """An ``event`` message, undecoded: its seq and the sender's clock picked out."""
        found = _SEQ.match(text)
        if found is None:
            return
        seq = int(found.group(1))
        self.seqs.append(seq)
        self.arrived.setdefault(seq, kernel)
        self.last = seq if self.last is None else max(self.last, seq)
        sent = _SENT.search(text)
        if sent is not None and seq not in self.lat:
            self.lat[seq] = (kernel - float(sent.group(1))) * 1000.0
            self.app_lat[seq] = (app - float(sent.group(1))) * 1000.0

    def on_synced(self, msg, kernel: float, _app: float) -> None:
        self.synced_at = kernel
        seq = msg.get("seq") if isinstance(msg, dict) else None
        if isinstance(seq, int):
            self.last = seq if self.last is None else max(self.last, seq)

    def on_reset(self, _msg, _kernel: float, _app: float) -> None:
        self.resets += 1

    async def connect(self, resume: bool, timeout: float) -> None:
        self.seqs, self.synced_at = [], None
        conn = LiteClient(self.url, offer=self.offer)
        conn.on("event", self.on_event, raw=True)
        conn.on("synced", self.on_synced)
        conn.on("reset", self.on_reset)
        self.conn = conn
        await conn.connect({"token": self.token, "since": self.last if resume else None},
                           timeout)
        deadline = time.monotonic() + timeout
        while self.synced_at is None and time.monotonic() < deadline and conn.up:
            await asyncio.sleep(0.02)
        if self.synced_at is None:
            raise TimeoutError("no synced" if conn.up else "closed before synced")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None


class Swarm:
    def __init__(self) -> None:
        self.clients: dict[int, Client] = {}

    def pick(self, cids) -> list[Client]:
        if cids is None:
            return list(self.clients.values())
        return [self.clients[c] for c in cids if c in self.clients]

    async def cmd_add(self, clients, offer=None) -> dict:
        """``offer``: the websocket extensions the clients offer (None: none)."""
        for cid, url, token in clients:
            self.clients[cid] = Client(cid, url, token, offer)
        return {"clients": len(self.clients)}

    async def cmd_connect(self, cids=None, resume=False, concurrency=16, timeout=30.0,
                          expect=None) -> dict:
        """Connect (at most ``concurrency`` handshakes in flight); with ``expect`` (seqs),
        wait until every client has those in its scope, then check order and duplicates."""
        chosen = self.pick(cids)
        gate = asyncio.Semaphore(concurrency)
        failed: list = []

        async def one(c: Client) -> None:
            async with gate:
                try:
                    await c.connect(resume, timeout)
                except Exception as exc:  # noqa: BLE001 - reported to the bench
                    failed.append([c.cid, f"{type(exc).__name__}: {exc}"[:200]])
                    c.close()

        started = time.time()
        await asyncio.gather(*(one(c) for c in chosen))
        out = {"connected": len(chosen) - len(failed), "failed": failed[:5],
               "n_failed": len(failed), "started": started, "done": time.time()}
        if expect is not None:
            out.update(await self._verify([c for c in chosen if c.up], expect, timeout))
        return out

    async def _verify(self, chosen: list[Client], expect: dict, timeout: float) -> dict:
        """``expect``: {"all": [seqs every client must get], "by_cid": {cid: [seqs]}}."""
        want = {c.cid: set(expect.get("by_cid", {}).get(str(c.cid), expect.get("all", [])))
                for c in chosen}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(not want[c.cid] <= c.arrived.keys()
                                                  for c in chosen):
            await asyncio.sleep(0.05)
        finish, problems = [], []
        for c in chosen:
            mine = want[c.cid]
            got = [s for s in c.seqs if s in mine]
            missing = len(mine - set(got))
            dups = len(c.seqs) - len(set(c.seqs))
            disorder = sum(1 for a, b in zip(c.seqs, c.seqs[1:], strict=False) if b <= a)
            if missing or dups or disorder or c.synced_at is None or c.resets:
                problems.append({"cid": c.cid, "missing": missing, "duplicates": dups,
                                 "out_of_order": disorder, "synced": c.synced_at is not None,
                                 "resets": c.resets})
                continue
            finish.append(max([c.synced_at, *(c.arrived[s] for s in mine)]))
        return {"complete": len(finish), "finished": max(finish) if finish else None,
                "problems": problems[:5], "n_problems": len(problems)}

    async def cmd_collect(self, seqs, expect, timeout=10.0, grace=0.3) -> dict:
        """Latencies of ``seqs`` at the clients ``expect``; who else got them; who missed."""
        want = set(expect)
        chosen = [c for c in self.clients.values() if c.cid in want]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(s not in c.arrived for c in chosen
                                                  for s in seqs):
            await asyncio.sleep(0.05)
        await asyncio.sleep(grace)  # a wrongly routed copy would arrive about as fast
        lat, app_lat, missing, unexpected = [], [], [], []
        for c in self.clients.values():
            for s in seqs:
                if c.cid in want:
                    if s in c.lat:
                        lat.append(round(c.lat[s], 2))
                        app_lat.append(round(c.app_lat[s], 2))
                    else:
                        missing.append([c.cid, s])
                elif s in c.arrived:
                    unexpected.append([c.cid, s])
        return {"lat": lat, "app_lat": app_lat, "missing": missing[:10],
                "n_missing": len(missing), "unexpected": unexpected[:10],
                "n_unexpected": len(unexpected)}

    async def cmd_disconnect(self, cids=None) -> dict:
        chosen = self.pick(cids)
        for i, c in enumerate(chosen):
            c.close()
            if i % 200 == 199:
                await asyncio.sleep(0)
        return {"closed": len(chosen)}

    async def cmd_wait_down(self, timeout=20.0) -> dict:
        """Wait until no client is connected any more (their server went away)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(c.up for c in self.clients.values()):
            await asyncio.sleep(0.05)
        for c in self.clients.values():
            if not c.up:
                c.close()
        return {"still_up": sum(1 for c in self.clients.values() if c.up)}

    async def cmd_count(self) -> dict:
        return {"up": sum(1 for c in self.clients.values() if c.up)}


async def main() -> None:
    raise_nofile()
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=64 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    swarm = Swarm()
    while True:
        line = await reader.readline()
        if not line:
            break
        msg = json.loads(line)
        name = msg.pop("cmd")
        if name == "quit":
            break
        try:
            reply = await getattr(swarm, f"cmd_{name}")(**msg)
        except Exception as exc:  # noqa: BLE001 - the bench reports it
            reply = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
    with contextlib.suppress(Exception):
        await swarm.cmd_disconnect()


if __name__ == "__main__":
    asyncio.run(main())
