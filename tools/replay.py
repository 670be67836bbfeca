"""Replay recorded BMKG feed files over HTTP on loopback (``kendali bmkg replay``).

The real poller is pointed at :attr:`ReplayServer.url` instead of data.bmkg.go.id and polls
``autogempa.json``, ``gempaterkini.json``, ``gempadirasakan.json`` (and the ``.xml``
variants) there. Each recorded file, named like ``autogempa_2021-10-05_dompu.json``, is served
at the path of its name prefix and extension, released in the order of its latest origin time:
the first file at once, then each next one after the real gap divided by ``speed`` (at most
``max_gap`` seconds, so events years apart still move on); ``speed=0`` releases them all at
once. Until its first file is released a path answers 404; after that it serves the latest
released file with an ``ETag`` and ``Last-Modified``, and 304 to a matching conditional GET.

This is a stand-alone tool, not part of the eventlet app, so it uses plain threads.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from geo.bmkg import TEWS_SOURCES
from geo.bmkg import FeedParseError
from geo.bmkg import parse_feed
from geo.quake import iso_utc

log = logging.getLogger(__name__)

CONTENT_TYPES = {".json": "application/json", ".xml": "application/xml"}
STATUS_PATH = "/_replay/status"
#: Longest single wait of the release thread, so :meth:`ReplayServer.stop` returns promptly.
TICK_SECONDS = 0.2


@dataclass(frozen=True)
class ReplayFile:
    """One recorded feed file: where it is served, when its latest event happened, its body."""

    path: Path
    feed: str  # served name, e.g. "autogempa.json"
    origin_time: datetime  # latest origin time among its sightings (UTC)
    body: bytes

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[Path(self.feed).suffix]

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'

    def describe(self) -> str:
        """``autogempa.json <- autogempa_2021-10-05_dompu.json (2021-10-05T11:00:27Z)``."""
        return f"{self.feed} <- {self.path.name} ({iso_utc(self.origin_time)})"


def feed_name(filename: str) -> str | None:
    """Return the served name for a recorded file (``gempaterkini_2021-12-14.json`` ->
    ``gempaterkini.json``), or None when the name is not a TEWS feed file."""
    lowered = filename.lower()
    suffix = Path(lowered).suffix
    if suffix not in CONTENT_TYPES:
        return None
    for source in TEWS_SOURCES:
        if lowered.startswith(source):
            return source + suffix
    return None


def scan(folder: str | Path) -> tuple[list[ReplayFile], list[tuple[Path, str]]]:
    """Read every feed file under ``folder``; return them in release order, plus skipped files.

    Files whose names are not feed names are ignored silently; feed files that do not parse
    (or hold no usable record) are returned as ``(path, reason)`` and logged as warnings.
    """
    files: list[ReplayFile] = []
    skipped: list[tuple[Path, str]] = []
    for path in sorted(Path(folder).rglob("*")):
        feed = feed_name(path.name)
        if feed is None or not path.is_file():
            continue
        try:
            body = path.read_bytes()
            result = parse_feed(body, source_hint=feed.split(".")[0])
        except (OSError, FeedParseError) as exc:
            skipped.append((path, f"cannot parse: {exc}"))
            continue
        if not result.sightings:
            skipped.append((path, f"no usable record ({len(result.rejected)} rejected)"))
            continue
        latest = max(s.origin_time for s in result.sightings)
        files.append(ReplayFile(path, feed, latest, body))
    for path, reason in skipped:
        log.warning("replay: skipping %s: %s", path, reason)
    files.sort(key=lambda f: (f.origin_time, f.feed, str(f.path)))
    return files, skipped


@dataclass(frozen=True)
class _Served:
    file: ReplayFile
    last_modified: int  # whole seconds since the epoch, as HTTP dates have no fraction


class ReplayServer:
    """Serve a folder of recorded BMKG feed files, released in time order (see module doc).

    Args:
        folder: scanned recursively for ``autogempa*``, ``gempaterkini*`` and
            ``gempadirasakan*`` ``.json``/``.xml`` files.
        host, port: where to listen; port 0 picks a free port (see :attr:`url`).
        speed: replay speed; 2.0 halves the gaps, 0 releases everything at start.
        max_gap: cap on the wait between two releases, in seconds.
        clock, sleep: injectable for tests (monotonic seconds, and a sleep taking seconds).
        loop: start over after the last file (paths keep their file until replaced).
        on_release: called with each :class:`ReplayFile` as it is released.
    """

    def __init__(
        self,
        folder: str | Path,
        host: str = "127.0.0.1",
        port: int = 8765,
        speed: float = 1.0,
        max_gap: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        *,
        loop: bool = False,
        on_release: Callable[[ReplayFile], None] | None = None,
    ) -> None:
        if speed < 0 or max_gap < 0:
            raise ValueError("speed and max_gap must not be negative")
        self.folder = Path(folder)
        self.host, self.port = host, port
        self.speed, self.max_gap, self.loop = speed, max_gap, loop
        self.clock, self.sleep = clock, sleep
        self.on_release = on_release
        self.files, self.skipped = scan(self.folder)
        self._lock = threading.RLock()
        self._next = 0  # index in self.files of the next file to release
        self._round = 1
        self._released: list[tuple[ReplayFile, float]] = []  # file, wall-clock time
        self._served: dict[str, _Served] = {}
        self._last_release: float | None = None  # clock() of the latest release
        self._stopping = threading.Event()
        self._playing = False
        self._httpd: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL with a trailing slash, e.g. ``http://127.0.0.1:8765/``."""
        host, port = self._httpd.server_address[:2] if self._httpd else (self.host, self.port)
        return f"http://{host}:{port}/"

    def start(self, play: bool = True) -> ReplayServer:
        """Listen in a background thread; with ``play``, also release files on schedule.

        Without ``play`` nothing is released until :meth:`play`, :meth:`release_next` or
        :meth:`release_all` is called (tests drive the replay that way).
        """
        httpd = ThreadingHTTPServer((self.host, self.port), _handler_for(self))
        httpd.daemon_threads = True
        self._httpd = httpd
        self._spawn(lambda: httpd.serve_forever(poll_interval=TICK_SECONDS), "replay-http")
        if play:
            self.play()
        return self

    def play(self) -> None:
        """Start releasing on schedule: the first file now (with speed 0, every file)."""
        if self._playing:
            return
        self._playing = True
        if self.speed == 0:
            self.release_all()
        if self.pending or self.loop:
            self._spawn(self._play, "replay-release")

    def stop(self) -> None:
        """Stop releasing and serving, and close the socket."""
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()

    def __enter__(self) -> ReplayServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    # -- releasing -------------------------------------------------------------------------

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self.files) - self._next

    def gap_before(self, index: int) -> float:
        """Seconds to wait between releasing file ``index - 1`` and file ``index``."""
        if index <= 0 or self.speed == 0:
            return 0.0
        real = (self.files[index].origin_time - self.files[index - 1].origin_time).total_seconds()
        return min(max(real, 0.0) / self.speed, self.max_gap)

    def release_next(self) -> ReplayFile | None:
        """Release the next file now; return it, or None when every file is released."""
        with self._lock:
            if self._next >= len(self.files):
                return None
            file = self.files[self._next]
            self._next += 1
            now = time.time()
            current = self._served.get(file.feed)
            if current is not None and current.file.body == file.body:
                stamp = current.last_modified  # same bytes: nothing changed for a client
            else:
                # Keep Last-Modified strictly increasing per path, so If-Modified-Since never
                # hides a newer file released within the same second.
                previous = current.last_modified if current else 0
                stamp = max(int(now), previous + 1)
            self._served[file.feed] = _Served(file, stamp)
            self._released.append((file, now))
            self._last_release = self.clock()
        if self.on_release is not None:
            self.on_release(file)
        return file

    def release_all(self) -> list[ReplayFile]:
        """Release every pending file now, in order (each path ends with its latest file)."""
        released = []
        while (file := self.release_next()) is not None:
            released.append(file)
        return released

    def _restart(self) -> None:
        with self._lock:
            self._next = 0
            self._round += 1
            self._released.clear()

    def _play(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                index, last = self._next, self._last_release
            if index >= len(self.files):
                if not self.loop or not self.files:
                    return
                # Pause one max gap before starting over, as between two distant events.
                if not self._wait_until((last or self.clock()) + max(self.max_gap, TICK_SECONDS)):
                    return
                self._restart()
                with self._lock:
                    self._last_release = self.clock()
                continue
            due = self.clock() if last is None else last + self.gap_before(index)
            if self._wait_until(due):
                with self._lock:
                    if self._next != index:  # released by hand meanwhile: recompute
                        continue
                self.release_next()

    def _wait_until(self, deadline: float) -> bool:
        """Sleep in short steps until ``clock() >= deadline``; False when stopping."""
        while not self._stopping.is_set():
            remaining = deadline - self.clock()
            if remaining <= 0:
                return True
            self.sleep(min(remaining, TICK_SECONDS))
        return False

    # -- serving ---------------------------------------------------------------------------

    def served(self, feed: str) -> tuple[ReplayFile, int] | None:
        """The file currently served at ``feed`` and its Last-Modified (epoch seconds)."""
        with self._lock:
            entry = self._served.get(feed)
        return (entry.file, entry.last_modified) if entry else None

    def status(self) -> dict:
        """What ``GET /_replay/status`` answers."""
        with self._lock:
            released = [
                {
                    "feed": f.feed,
                    "file": str(f.path.relative_to(self.folder)),
                    "origin_time": iso_utc(f.origin_time),
                    "released_at": email.utils.formatdate(at, usegmt=True),
                }
                for f, at in self._released
            ]
            return {
                "released": released,
                "pending": len(self.files) - self._next,
                "total": len(self.files),
                "round": self._round,
                "serving": {feed: s.file.path.name for feed, s in sorted(self._served.items())},
                "speed": self.speed,
                "max_gap": self.max_gap,
                "loop": self.loop,
            }


def _handler_for(replay: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_ReplayHandler):
        server_replay = replay

    return Handler


class _ReplayHandler(BaseHTTPRequestHandler):
    """GET/HEAD of feed paths (by their last path segment) and of the status page."""

    server_replay: ReplayServer
    server_version = "KendaliReplay/1"

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
        self._answer(head=True)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(head=False)

    def _answer(self, head: bool) -> None:
        path = urlsplit(self.path).path
        if path == STATUS_PATH:
            body = json.dumps(self.server_replay.status(), ensure_ascii=False).encode()
            self._send(HTTPStatus.OK, body, "application/json", head=head)
            return
        # Match on the last segment, so a base like http://127.0.0.1:8765/DataMKG/TEWS/ works.
        feed = path.rsplit("/", 1)[-1]
        served = self.server_replay.served(feed)
        if served is None:
            reason = "not released yet" if feed_name(feed) == feed else "no such feed"
            body = json.dumps({"error": reason, "path": path}).encode()
            self._send(HTTPStatus.NOT_FOUND, body, "application/json", head=head)
            return
        file, stamp = served
        headers = {
            "ETag": file.etag,
            "Last-Modified": email.utils.formatdate(stamp, usegmt=True),
            "Cache-Control": "no-cache",
        }
        if self._not_modified(file.etag, stamp):
            self._send(HTTPStatus.NOT_MODIFIED, b"", None, head=True, headers=headers)
            return
        self._send(HTTPStatus.OK, file.body, file.content_type, head=head, headers=headers)

    def _not_modified(self, etag: str, stamp: int) -> bool:
        # RFC 9110 §13.2.2: If-None-Match wins; If-Modified-Since only counts without it.
        match = self.headers.get("If-None-Match")
        if match is not None:
            tags = [t.strip().removeprefix("W/") for t in match.split(",")]
            return "*" in tags or etag in tags
        since = self.headers.get("If-Modified-Since")
        if since is None:
            return False
        try:
            moment = email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        if moment.tzinfo is None:  # "-0000" zones parse naive; HTTP dates are always GMT
            moment = moment.replace(tzinfo=UTC)
        return stamp <= moment.timestamp()

    def _send(self, status, body, content_type, *, head, headers=None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head and body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        log.debug("replay %s - %s", self.address_string(), format % args)
