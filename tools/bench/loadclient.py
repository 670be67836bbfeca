"""A load-client worker of ``kendali bench``: many Socket.IO clients in one asyncio process.

Started by :mod:`tools.bench.workers` as ``python -m tools.bench.loadclient``. It reads one
JSON command per line on stdin and answers each with one JSON line on stdout; it imports
nothing of the server (only python-socketio's ``AsyncClient`` over aiohttp, websocket
transport). Every wait is bounded by the command's ``timeout``; end of input ends it.

Each client records, per received ``event``, its ``seq`` and arrival time (``time.time()``);
an event whose payload carries ``bench_t`` (the sender's ``time.time()`` just before its
commit) yields a latency. Clients never reconnect by themselves: the bench decides when.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import sys
import time

import socketio

NS = "/live"


class Client:
    def __init__(self, cid: int, url: str, token: str) -> None:
        self.cid, self.url, self.token = cid, url, token
        self.sio: socketio.AsyncClient | None = None
        self.last: int | None = None  # highest seq seen (events or synced): `since` on resume
        self.seqs: list[int] = []  # seqs received since the last connect, in arrival order
        self.arrived: dict[int, float] = {}
        self.latency: dict[int, float] = {}
        self.synced_at: float | None = None
        self.up = False

    async def on_event(self, msg) -> None:
        now = time.time()
        seq = msg.get("seq")
        if not isinstance(seq, int):
            return
        self.seqs.append(seq)
        self.arrived.setdefault(seq, now)
        self.last = seq if self.last is None else max(self.last, seq)
        sent = (msg.get("payload") or {}).get("bench_t")
        if isinstance(sent, int | float):
            self.latency.setdefault(seq, (now - sent) * 1000.0)

    async def on_synced(self, msg) -> None:
        self.synced_at = time.time()
        seq = msg.get("seq") if isinstance(msg, dict) else None
        if isinstance(seq, int):
            self.last = seq if self.last is None else max(self.last, seq)

    async def on_disconnect(self, *_reason) -> None:
        self.up = False

    async def connect(self, resume: bool, timeout: float) -> None:
        since = self.last if resume else None
        self.seqs, self.synced_at = [], None
        sio = socketio.AsyncClient(reconnection=False)
        sio.on("event", self.on_event, namespace=NS)
        sio.on("synced", self.on_synced, namespace=NS)
        sio.on("disconnect", self.on_disconnect, namespace=NS)
        self.sio = sio
        await sio.connect(self.url, namespaces=[NS], transports=["websocket"],
                          auth={"token": self.token, "since": since}, wait_timeout=timeout)
        self.up = True
        deadline = time.monotonic() + timeout
        while self.synced_at is None and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        if self.synced_at is None:
            raise TimeoutError("no synced")

    async def close(self) -> None:
        if self.sio is not None:
            with contextlib.suppress(Exception):
                await self.sio.disconnect()
            with contextlib.suppress(Exception):
                await self.sio.eio.http.close()  # type: ignore[union-attr]
        self.sio, self.up = None, False


class Worker:
    def __init__(self) -> None:
        self.clients: dict[int, Client] = {}

    def pick(self, cids) -> list[Client]:
        if cids is None:
            return list(self.clients.values())
        return [self.clients[c] for c in cids if c in self.clients]

    async def cmd_add(self, clients) -> dict:
        for cid, url, token in clients:
            self.clients[cid] = Client(cid, url, token)
        return {"clients": len(self.clients)}

    async def cmd_connect(self, cids=None, resume=False, concurrency=16, timeout=30.0,
                          expect=None) -> dict:
        """Connect (at most ``concurrency`` handshakes in flight); with ``expect`` (seqs),
        wait until every client has them all, then check each for gaps and duplicates."""
        chosen = self.pick(cids)
        gate = asyncio.Semaphore(concurrency)
        failed: list = []

        async def one(c: Client) -> None:
            async with gate:
                try:
                    await c.connect(resume, timeout)
                except Exception as exc:  # noqa: BLE001 - reported to the bench
                    failed.append([c.cid, f"{type(exc).__name__}: {exc}"[:200]])
                    await c.close()

        started = time.time()
        await asyncio.wait_for(asyncio.gather(*(one(c) for c in chosen)), timeout * 2)
        out = {"connected": len(chosen) - len(failed), "failed": failed[:5],
               "n_failed": len(failed), "started": started, "done": time.time()}
        if expect is not None:
            out.update(await self._verify([c for c in chosen if c.up], set(expect), timeout))
        return out

    async def _verify(self, chosen: list[Client], expect: set[int], timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(not expect <= c.arrived.keys()
                                                  for c in chosen):
            await asyncio.sleep(0.02)
        finish, problems = [], []
        for c in chosen:
            got = [s for s in c.seqs if s in expect]
            missing = len(expect - set(got))
            dups = len(c.seqs) - len(set(c.seqs))
            disorder = sum(1 for a, b in zip(c.seqs, c.seqs[1:], strict=False) if b <= a)
            if missing or dups or disorder or c.synced_at is None:
                problems.append({"cid": c.cid, "missing": missing, "duplicates": dups,
                                 "out_of_order": disorder, "synced": c.synced_at is not None})
                continue
            finish.append(max([c.synced_at, *(c.arrived[s] for s in expect)]))
        return {"complete": len(finish), "finished": max(finish) if finish else None,
                "problems": problems[:5], "n_problems": len(problems)}

    async def cmd_collect(self, seqs, expect, timeout=10.0, grace=0.3) -> dict:
        """Latencies of ``seqs`` at the clients ``expect``; who else got them; who missed."""
        want = set(expect)
        chosen = [c for c in self.clients.values() if c.cid in want]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(s not in c.arrived for c in chosen
                                                  for s in seqs):
            await asyncio.sleep(0.02)
        await asyncio.sleep(grace)  # a wrongly routed copy would arrive about as fast
        lat, missing, unexpected = [], [], []
        for c in self.clients.values():
            for s in seqs:
                if c.cid in want:
                    if s in c.latency:
                        lat.append(round(c.latency[s], 3))
                    else:
                        missing.append([c.cid, s])
                elif s in c.arrived:
                    unexpected.append([c.cid, s])
        return {"lat": lat, "missing": missing[:10], "n_missing": len(missing),
                "unexpected": unexpected[:10], "n_unexpected": len(unexpected)}

    async def cmd_disconnect(self, cids=None, concurrency=64) -> dict:
        gate = asyncio.Semaphore(concurrency)

        async def one(c: Client) -> None:
            async with gate:
                await c.close()

        chosen = self.pick(cids)
        await asyncio.gather(*(one(c) for c in chosen))
        return {"closed": len(chosen)}

    async def cmd_wait_down(self, timeout=20.0) -> dict:
        """Wait until no client is connected any more (their server went away)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(c.up for c in self.clients.values()):
            await asyncio.sleep(0.05)
        for c in self.clients.values():
            if not c.up and c.sio is not None:
                with contextlib.suppress(Exception):
                    await c.sio.eio.http.close()
                c.sio = None
        return {"still_up": sum(1 for c in self.clients.values() if c.up)}

    async def cmd_count(self) -> dict:
        return {"up": sum(1 for c in self.clients.values() if c.up)}


async def main() -> None:
    # The same collector settings as the servers': a load client's own pauses would be
    # counted as the servers' latency.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=64 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    worker = Worker()
    while True:
        line = await reader.readline()
        if not line:
            break
        msg = json.loads(line)
        name = msg.pop("cmd")
        if name == "quit":
            break
        try:
            reply = await getattr(worker, f"cmd_{name}")(**msg)
        except Exception as exc:  # noqa: BLE001 - the bench reports it
            reply = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
    await worker.cmd_disconnect()


if __name__ == "__main__":
    asyncio.run(main())
