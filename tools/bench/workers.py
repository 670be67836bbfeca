"""The bench's side of the load-client workers (:mod:`tools.bench.loadclient`).

A :class:`Pool` starts a few worker processes and sends them commands, one JSON line each,
all workers at once, then reads every answer within a deadline.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import time

from server.platform.settings import PROJECT_ROOT
from tools.bench.procs import BIN
from tools.bench.procs import Proc
from tools.bench.procs import Procs


class WorkerError(RuntimeError):
    pass


class Worker:
    def __init__(self, procs: Procs, index: int, module: str = "tools.bench.loadclient") -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT),
                                                          env.get("PYTHONPATH")]))
        self.proc: Proc = procs.spawn(f"client{index}", [str(BIN / "python"), "-m", module],
                                      env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      bufsize=0)
        self._buf = b""

    def send(self, cmd: dict) -> None:
        assert self.proc.popen.stdin is not None
        self.proc.popen.stdin.write((json.dumps(cmd) + "\n").encode())

    def recv(self, deadline: float) -> dict:
        out = self.proc.popen.stdout
        assert out is not None
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkerError(f"{self.proc.name}: no answer in time")
            ready, _, _ = select.select([out], [], [], left)
            if ready:
                chunk = os.read(out.fileno(), 1 << 20)
                if not chunk:
                    raise WorkerError(f"{self.proc.name} exited: {self.proc.tail()}")
                self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        reply = json.loads(line)
        if "error" in reply:
            raise WorkerError(f"{self.proc.name}: {reply['error']}")
        return reply


class Pool:
    """``n`` worker processes; client ``cid`` lives in worker ``cid % n``."""

    def __init__(self, procs: Procs, n: int, module: str = "tools.bench.loadclient") -> None:
        self.procs = procs
        self.workers = [Worker(procs, i, module) for i in range(n)]
        for w in self.workers:
            procs.profile(w.proc)

    def of(self, cid: int) -> int:
        return cid % len(self.workers)

    def split(self, cids) -> list[list[int]]:
        parts: list[list[int]] = [[] for _ in self.workers]
        for cid in cids:
            parts[self.of(cid)].append(cid)
        return parts

    def call(self, cmds: list[dict | None], timeout: float) -> list[dict | None]:
        """Send each worker its command (None: nothing), then collect every answer."""
        for w, cmd in zip(self.workers, cmds, strict=True):
            if cmd is not None:
                w.send(cmd)
        deadline = time.monotonic() + timeout
        return [w.recv(deadline) if cmd is not None else None
                for w, cmd in zip(self.workers, cmds, strict=True)]

    def each(self, cmd: dict, timeout: float) -> list[dict]:
        return [r for r in self.call([dict(cmd) for _ in self.workers], timeout) if r]

    def per_client(self, name: str, cids, deadline: float, **kw) -> list[dict]:
        """Send ``name`` (arguments ``kw``) to the workers holding ``cids``, each with its
        own; wait ``deadline`` seconds at most for the answers."""
        cmds = [{"cmd": name, "cids": part, **kw} if part else None
                for part in self.split(cids)]
        return [r for r in self.call(cmds, deadline) if r]

    def add(self, clients: list[tuple[int, str, str]], **kw) -> None:
        """Create the clients in their workers (``kw``: the workers' own options)."""
        parts: list[list] = [[] for _ in self.workers]
        for cid, url, token in clients:
            parts[self.of(cid)].append([cid, url, token])
        self.call([{"cmd": "add", "clients": p, **kw} for p in parts], 30)

    def close(self) -> None:
        for w in self.workers:
            try:
                w.send({"cmd": "quit"})
                w.proc.popen.stdin.close()  # type: ignore[union-attr]
            except OSError:
                pass
        for w in self.workers:
            with contextlib.suppress(subprocess.TimeoutExpired):
                w.proc.popen.wait(timeout=20)  # it closes its clients first
            self.procs.stop(w.proc, timeout=10)
