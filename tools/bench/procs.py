"""Processes a benchmark starts: Redis, ``kendali serve``, tipg, load-client workers.

Every process goes through :class:`Procs`, which stops it (SIGTERM, then SIGKILL) when asked,
at the end of the ``with`` block, or at exit, whatever happened. Everything listens on
127.0.0.1 only.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid: int) -> int:
    """Resident set size of a process (VmRSS), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_s(pid: int) -> float:
    """CPU time (user + system) a process has used, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Proc:
    def __init__(self, name: str, popen: subprocess.Popen, log: str, url: str | None = None):
        self.name, self.popen, self.log, self.url = name, popen, log, url

    @property
    def pid(self) -> int:
        return self.popen.pid

    def tail(self, n: int = 1500) -> str:
        try:
            return Path(self.log).read_text(errors="replace")[-n:]
        except OSError:
            return ""


class Procs:
    """The processes of one benchmark run."""

    def __init__(self, profile: str | None = None) -> None:
        self.running: list[Proc] = []
        self.profile_dir = profile
        atexit.register(self.stop_all)

    def __enter__(self) -> Procs:
        # SIGTERM (a CI timeout, `timeout`, kill) unwinds like Ctrl-C: finally blocks run.
        self._previous = signal.signal(signal.SIGTERM, _terminate)
        return self

    def __exit__(self, *exc) -> None:
        self.stop_all()
        signal.signal(signal.SIGTERM, self._previous)

    def spawn(self, name: str, argv: list[str], env: dict | None = None, url: str | None = None,
              **popen) -> Proc:
        log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - the child writes to it
            prefix=f"kendali-bench-{name}-", suffix=".log", delete=False)
        popen.setdefault("stdout", log)
        proc = subprocess.Popen(argv, env=env or dict(os.environ), stderr=log, cwd="/",
                                preexec_fn=_die_with_parent, **popen)
        log.close()
        p = Proc(name, proc, log.name, url)
        self.running.append(p)
        return p

    def stop(self, p: Proc, timeout: float = 20.0, signum: int = signal.SIGTERM) -> None:
        if p.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                p.popen.send_signal(signum)
            try:
                p.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.popen.kill()
                p.popen.wait(timeout=10)
        if p in self.running:
            self.running.remove(p)
        with contextlib.suppress(OSError):
            os.unlink(p.log)

    def stop_all(self) -> None:
        # Profilers last, and with SIGINT: they write their file when their target has gone.
        for p in sorted(reversed(self.running), key=lambda p: p.name.startswith("py-spy")):
            with contextlib.suppress(Exception):
                self.stop(p, signum=signal.SIGINT if p.name.startswith("py-spy")
                          else signal.SIGTERM)

    # -- the kinds of process -------------------------------------------------------------
    def redis(self) -> Proc:
        port = free_port()
        p = self.spawn("redis", ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                 "--save", "", "--appendonly", "no"],
                       url=f"redis://127.0.0.1:{port}/0")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                return p
            if p.popen.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start: {p.tail()}")

    def server(self, database_url: str, port: int | None = None, wait: bool = True,
               **env) -> Proc:
        """A ``kendali serve --no-prepare`` process on the bench database (no feed, no jobs)."""
        port = port or free_port()
        full = dict(os.environ)
        full.update(DATABASE_URL=database_url, KENDALI_FEED_POLLING="0",
                    KENDALI_SCHEDULER="0", KENDALI_LOG_LEVEL="WARNING",
                    KENDALI_COOKIE_SECURE="0")
        full.update(env)
        argv = [str(BIN / "kendali"), "serve", "--no-prepare", "--port", str(port)]
        p = self.spawn(f"serve-{port}", argv, full, url=f"http://127.0.0.1:{port}")
        if wait:
            wait_http(p, p.url + "/healthz", 90)
        return p

    def profile(self, target: Proc) -> Proc | None:
        """With a profile folder (and py-spy installed): sample ``target`` until it exits,
        as collapsed stacks in <folder>/<name>-<pid>.txt."""
        folder = self.profile_dir
        spy = shutil.which("py-spy") or (str(BIN / "py-spy") if (BIN / "py-spy").exists()
                                         else None)
        if not folder or not spy:
            return None
        Path(folder).mkdir(parents=True, exist_ok=True)
        out = Path(folder).resolve() / f"{target.name}-{target.pid}.txt"
        return self.spawn(f"py-spy-{target.pid}", [spy, "record", "--pid", str(target.pid),
                                                    "--rate", "200", "--format", "raw",
                                                    "--output", str(out), "--nonblocking"])

    def tipg(self, pg_url: str) -> Proc:
        """tipg (uvicorn) serving only ``public.complaints`` of ``pg_url`` (asyncpg DSN)."""
        port = free_port()
        env = dict(os.environ)
        env.update(DATABASE_URL=pg_url, TIPG_DB_TABLES='["public.complaints"]',
                   TIPG_DB_FUNCTIONS="[]", TIPG_DB_DATETIME_EXTENT="false",
                   TIPG_DB_SPATIAL_EXTENT="false", TIPG_CATALOG_TTL="0", TIPG_DEBUG="false")
        argv = [str(BIN / "python"), "-m", "uvicorn", "tipg.main:app", "--host", "127.0.0.1",
                "--port", str(port), "--log-level", "warning", "--no-access-log"]
        p = self.spawn("tipg", argv, env, url=f"http://127.0.0.1:{port}")
        wait_http(p, p.url + "/healthz", 90)
        return p


def _terminate(signum, frame) -> None:
    raise SystemExit(128 + signum)


try:  # loaded here, not in the forked child (no imports or locks between fork and exec)
    _PRCTL = ctypes.CDLL("libc.so.6", use_errno=True).prctl
except OSError:  # pragma: no cover - not glibc
    _PRCTL = None


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the bench dies, even by SIGKILL (PR_SET_PDEATHSIG)."""
    if _PRCTL is not None:
        _PRCTL(1, int(signal.SIGTERM))


def wait_http(p: Proc, url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if p.popen.poll() is not None:
            raise RuntimeError(f"{p.name} exited ({p.popen.returncode}): {p.tail()}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{p.name} not ready after {timeout:.0f} s: {p.tail()}")
