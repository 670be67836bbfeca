"""The embedded PostGIS: a private PostgreSQL cluster that Kendali starts and stops itself.

Layout under ``<DATA_DIR>/pg``::

    data/          the cluster (owned by the user that runs postgres, mode 700)
    run/           its unix socket (no TCP listener unless a port is configured)
    postgres.log   the server log (mode 600; failed statements are logged without their text)
    attach.lock    every process using the cluster holds a shared lock on it; the last one
                   to leave (it can take the lock exclusively) shuts the cluster down

PostgreSQL refuses to run as root, so as root the cluster's programs run as the
unprivileged ``postgres`` user through ``runuser``, with the folders owned by it.
"""

from __future__ import annotations

import atexit
import fcntl
import glob
import logging
import os
import pwd
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "install PostgreSQL 15 with PostGIS 3 (Debian: apt-get install postgresql-15 "
    "postgresql-15-postgis-3 postgresql-15-postgis-3-scripts; or run ./scripts/setup)"
)


class EmbeddedError(RuntimeError):
    """The embedded cluster could not be created or started; the message says why."""


def find_bindir() -> Path:
    """Return the folder holding ``initdb`` and ``pg_ctl`` (newest PostgreSQL first)."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True
    )
    for folder in candidates:
        if Path(folder, "initdb").exists():
            return Path(folder)
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise EmbeddedError(f"PostgreSQL server programs not found: {INSTALL_HINT}")


class EmbeddedPostgres:
    """A private PostgreSQL cluster in ``base_dir``."""

    def __init__(self, base_dir: str | os.PathLike, port: int | None = None) -> None:
        self.base = Path(base_dir).resolve()
        self.data = self.base / "data"
        self.run_dir = self.base / "run"
        self.logfile = self.base / "postgres.log"
        self.port = int(port) if port else None
        self._attach_fd: int | None = None
        self.as_root = os.geteuid() == 0
        self.owner = "postgres" if self.as_root else pwd.getpwuid(os.geteuid()).pw_name

    # -- commands -------------------------------------------------------------------------
    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", self.owner, "--", *cmd]
        proc = subprocess.run(cmd, cwd="/", capture_output=True, text=True)
        if check and proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise EmbeddedError(f"{Path(args[0]).name} failed: {tail[0]}")
        return proc

    def _chown(self, path: Path) -> None:
        if self.as_root:
            pw = pwd.getpwnam(self.owner)
            os.chown(path, pw.pw_uid, pw.pw_gid)

    def _check_reachable(self) -> None:
        """Fail clearly when the postgres user cannot reach the folder (e.g. under /root)."""
        if not self.as_root:
            return
        proc = subprocess.run(
            ["runuser", "-u", self.owner, "--", "test", "-w", str(self.base)], cwd="/"
        )
        if proc.returncode != 0:
            raise EmbeddedError(
                f"the user '{self.owner}' cannot write to {self.base}: every parent folder must "
                "be searchable by it (chmod o+x), or set KENDALI_DATA_DIR to another place"
            )

    # -- lifecycle ------------------------------------------------------------------------
    def initialized(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def init(self) -> None:
        """Create the folders and run ``initdb`` if the cluster does not exist yet."""
        bindir = find_bindir()
        self.base.mkdir(parents=True, exist_ok=True)
        for folder in (self.base, self.run_dir):
            folder.mkdir(exist_ok=True)
            self._chown(folder)
        self._check_reachable()
        if self.initialized():
            return
        log.info("initdb: creating the embedded cluster in %s", self.data)
        self._run(
            str(bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )

    def running(self) -> bool:
        proc = self._run(str(find_bindir() / "pg_ctl"), "-D", str(self.data), "status", check=False)
        return proc.returncode == 0

    def start(self) -> bool:
        """Start the cluster unless it runs already; return True when this call started it."""
        with self._lock_file("start.lock", fcntl.LOCK_EX):
            self.init()
            if self.running():
                return False
            if len(str(self.run_dir)) > 90:
                raise EmbeddedError(
                    f"socket folder path {self.run_dir} is too long for a unix socket; "
                    "set KENDALI_DATA_DIR to a shorter path"
                )
            listen = (
                f"-c listen_addresses='127.0.0.1' -p {self.port}"
                if self.port
                else ("-c listen_addresses=''")
            )
            # A failed statement is logged without its text: psycopg2 sends values inline, so
            # a failed INSERT INTO users or tokens would put a password hash in the log.
            opts = (f"-k {self.run_dir} {listen} -c max_connections=300 -c fsync=on "
                    "-c log_min_error_statement=panic")
            self._private_log()
            log.info("starting the embedded PostgreSQL in %s", self.data)
            self._run(
                str(find_bindir() / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.logfile),
                "-w",
                "-t",
                "60",
                "-o",
                opts,
                "start",
            )
            return True

    def _private_log(self) -> None:
        """The server log, readable by its owner only (mode 600, also when it existed)."""
        os.close(os.open(self.logfile, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        os.chmod(self.logfile, 0o600)
        self._chown(self.logfile)

    def stop(self) -> None:
        """Shut the cluster down cleanly (fast mode: running transactions are rolled back)."""
        if self.initialized() and self.running():
            log.info("stopping the embedded PostgreSQL in %s", self.data)
            self._run(
                str(find_bindir() / "pg_ctl"),
                "-D",
                str(self.data),
                "-m",
                "fast",
                "-w",
                "stop",
                check=False,
            )

    # -- sharing between processes -------------------------------------------------------
    def _lock_file(self, name: str, mode: int):
        base = self.base
        base.mkdir(parents=True, exist_ok=True)

        class _Lock:
            def __enter__(self_inner):
                self_inner.fd = os.open(base / name, os.O_RDWR | os.O_CREAT, 0o644)
                fcntl.flock(self_inner.fd, mode)
                return self_inner

            def __exit__(self_inner, *exc):
                fcntl.flock(self_inner.fd, fcntl.LOCK_UN)
                os.close(self_inner.fd)

        return _Lock()

    def attach(self) -> None:
        """Start (or reuse) the cluster for this process and stop it when the last user exits."""
        if self._attach_fd is not None:
            return
        self.start()
        fd = os.open(self.base / "attach.lock", os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_SH)
        self._attach_fd = fd
        atexit.register(self.detach)

    def detach(self) -> None:
        """Release this process's hold; shut the cluster down if nobody else uses it."""
        fd, self._attach_fd = self._attach_fd, None
        if fd is None:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)  # another process still uses the cluster
            return
        try:
            self.stop()
        finally:
            os.close(fd)

    # -- connecting -----------------------------------------------------------------------
    def url(self, dbname: str = "postgres") -> str:
        port = f"&port={self.port}" if self.port else ""
        return f"postgresql+psycopg2://postgres@/{dbname}?host={quote(str(self.run_dir))}{port}"

    def ensure_database(self, dbname: str) -> None:
        """Create ``dbname`` in the cluster if it does not exist."""
        import psycopg2

        conn = psycopg2.connect(
            dbname="postgres", user="postgres", host=str(self.run_dir), port=self.port or 5432
        )
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,))
                if cur.fetchone() is None:
                    cur.execute(f'CREATE DATABASE "{dbname}"')
        finally:
            conn.close()
