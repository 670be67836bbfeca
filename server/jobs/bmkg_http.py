"""Reading a BMKG feed over HTTP: conditional, bounded in time and size, never trusting."""

from __future__ import annotations

import time
from dataclasses import dataclass

import requests


class FetchError(RuntimeError):
    """The feed could not be fetched (network, status, size, deadline)."""


@dataclass
class Fetched:
    status: int
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None


def fetch(
    http: requests.Session,
    url: str,
    etag: str | None,
    modified: str | None,
    timeout: tuple[float, float],
    max_bytes: int,
) -> Fetched:
    """GET ``url`` conditionally; raise :class:`FetchError` on anything but 200 or 304."""
    # A new connection per poll (every 10 s at most): a connection on which a response timed
    # out may still deliver that late response to the next request (a desync), so none is
    # reused.
    headers = {"User-Agent": "Kendali/1 (Kemensos pusat kendali)", "Connection": "close"}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    deadline = time.monotonic() + timeout[0] + timeout[1] * 2
    try:
        with http.get(url, headers=headers, timeout=timeout, stream=True) as res:
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
    except requests.RequestException as exc:
        raise FetchError(f"{type(exc).__name__}: {str(exc)[:200]}") from None
