"""Shared by the raw-websocket live tests: a client that records one event type's sequence
numbers, and a scenario run on an event loop of its own."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from tools.bench.wsclient import LiteClient


class Seen:
    """The ``seq`` of every ``event`` of one type, in arrival order; ``synced`` when it came."""

    def __init__(self, event_type: str) -> None:
        self.event_type = event_type
        self.seqs: list[int] = []
        self.synced = asyncio.Event()

    def event(self, msg, _kernel, _app) -> None:
        if msg.get("type") == self.event_type:
            self.seqs.append(msg["seq"])

    def on_synced(self, _msg, _kernel, _app) -> None:
        self.synced.set()


async def connect(url: str, token: str, event_type: str, since: int | None = None,
                  **options) -> tuple[LiteClient, Seen]:
    """A synced client (``options``: :class:`LiteClient`'s, e.g. ``rcvbuf``, ``offer``)."""
    seen = Seen(event_type)
    client = LiteClient(url, **options)
    client.on("event", seen.event)
    client.on("synced", seen.on_synced)
    await client.connect({"token": token, "since": since}, 20)
    await asyncio.wait_for(seen.synced.wait(), 20)
    return client, seen


def run_on_server(database_url: str, accounts, scenario, **env) -> None:
    """Start a ``kendali serve`` (``env``: its settings), sign an operator in and run
    ``scenario(url, token)`` (a coroutine function), then stop the server.

    The scenario runs on a loop of its own, in a thread of its own: the browser tests'
    Playwright leaves its loop marked running in the main thread for the rest of the session.
    """
    from tests.conftest import start_server
    from tests.conftest import stop_server
    from tests.helpers import token_for

    server = start_server(database_url, **env)
    try:
        name, pw, _ = accounts("operator")
        token = token_for(server.url, name, pw)
        with ThreadPoolExecutor(1) as pool:
            pool.submit(lambda: asyncio.run(scenario(server.url, token))).result()
    finally:
        stop_server(server)
