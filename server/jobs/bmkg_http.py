"""Reading a BMKG feed over HTTP: conditional, bounded in time and size, never trusting."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from urllib.parse import urljoin
from urllib.parse import urlsplit

import requests

log = logging.getLogger(__name__)


class FetchError(RuntimeError):
    """The feed could not be fetched (network, status, size, deadline)."""


@dataclass
class Fetched:
    status: int
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None


#: Redirects followed per poll, each to the same host only (``https`` never downgraded).
MAX_REDIRECTS = 3


def fetch(
    http: requests.Session,
    url: str,
    etag: str | None,
    modified: str | None,
    timeout: tuple[float, float],
    max_bytes: int,
) -> Fetched:
    """GET ``url`` conditionally; raise :class:`FetchError` on anything but 200 or 304.

    Redirects are followed by hand, and only on the feed's own host: the feed is configured
    to one server, and a redirect elsewhere would have the poller fetch (and report on) any
    address an intermediary names.
    """
    # A new connection per poll (every 10 s at most): a connection on which a response timed
    # out may still deliver that late response to the next request (a desync), so none is
    # reused.
    headers = {"User-Agent": "Kendali/1 (Kemensos pusat kendali)", "Connection": "close"}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    deadline = time.monotonic() + timeout[0] + timeout[1] * 2
    target = url
    try:
        for _ in range(MAX_REDIRECTS + 1):
            with http.get(target, headers=headers, timeout=timeout, stream=True,
                          allow_redirects=False) as res:
                if not res.is_redirect:
                    return _read(res, deadline, max_bytes)
                target = _redirect(url, target, res)
        raise FetchError(f"more than {MAX_REDIRECTS} redirects")
    except requests.RequestException as exc:
        raise FetchError(f"{type(exc).__name__}: {str(exc)[:200]}") from None


def _redirect(origin: str, current: str, res: requests.Response) -> str:
    """Where a redirect of the feed may go: the same host, never from https to http."""
    target = urljoin(current, res.headers.get("Location", ""))
    was, now = urlsplit(origin), urlsplit(target)
    if now.hostname != was.hostname or now.scheme not in ("http", "https") or (
        was.scheme == "https" and now.scheme != "https"
    ):
        log.warning("feed: redirect from %s to another host refused", origin)
        raise FetchError(f"HTTP {res.status_code}: redirect to another host refused")
    return target


def _read(res: requests.Response, deadline: float, max_bytes: int) -> Fetched:
    if res.status_code == 304:
        return Fetched(304)
    if res.status_code != 200:
        raise FetchError(f"HTTP {res.status_code}")
    chunks, size = [], 0
    # read1 returns what one recv brings: a body trickled byte by byte cannot hold the
    # loop past the deadline (iter_content would wait to fill each chunk).
    while chunk := res.raw.read1(65536):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"body larger than {max_bytes} bytes")
        if time.monotonic() > deadline:
            raise FetchError("body too slow (deadline passed)")
        chunks.append(chunk)
    return Fetched(
        200, b"".join(chunks), res.headers.get("ETag"), res.headers.get("Last-Modified")
    )
