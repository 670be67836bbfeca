"""Who is connecting: the tokens of many sockets resolved together.

Every ``/live`` connection presents a bearer token or a session; looking each up on its own
(a query, a "last seen" write and a commit per socket, on the request's pooled connection)
made a reconnect storm wait on the database pool. Lookups that arrive while one is running
are gathered and answered by the next query, up to :data:`BATCH` at a time; the "last seen"
writes of a batch are one statement. A quiet server still answers each at once. Revocation
is unchanged: a revoked token is refused by the next query, and open sockets of a revoked
token are closed by the ``kendali_revoked`` notice.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from dataclasses import field

from flask import Flask

from server.auth.credentials import sha256
from server.auth.request import needs_touch
from server.auth.request import principal_of
from server.auth.scope import Principal
from server.extensions import socketio
from server.platform import clock
from server.platform.db import get_db
from server.queries import auth as q

BATCH = 500
WAIT_S = 30.0


@dataclass
class _Waiting:
    done: threading.Event = field(default_factory=threading.Event)
    result: Principal | None = None
    error: BaseException | None = None


class Admission:
    """Resolves tokens to principals in batches (one per app: :func:`for_app`)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, tuple[str, ...]], list[_Waiting]] = {}
        self._draining = False
        self.queries = 0

    def principal(self, token: str, kinds: tuple[str, ...]) -> Principal | None:
        """The principal of a live ``token`` of one of ``kinds``, or None."""
        waiting = _Waiting()
        with self._lock:
            self._pending.setdefault((sha256(token), kinds), []).append(waiting)
            start, self._draining = not self._draining, True
        if start:
            socketio.start_background_task(self._drain)
        if not waiting.done.wait(WAIT_S):
            raise TimeoutError("token lookup did not finish")
        if waiting.error is not None:
            raise waiting.error
        return waiting.result

    def _drain(self) -> None:
        while True:
            with self._lock:
                keys = list(self._pending)[:BATCH]
                batch = {key: self._pending.pop(key) for key in keys}
                if not batch:
                    self._draining = False
                    return
            try:
                found, error = self._fetch(list(batch)), None
            except Exception as exc:  # noqa: BLE001 - handed to every waiting connection
                found, error = {}, exc
            for key, waiting in batch.items():
                for w in waiting:
                    w.result, w.error = found.get(key), error
                    w.done.set()

    def _fetch(self, keys: list[tuple[str, tuple[str, ...]]]) -> dict:
        kinds = tuple(sorted({k for _, ks in keys for k in ks}))
        now = clock.now()
        with self.app.app_context(), get_db().session() as session:
            rows = q.tokens_with_users(session, [h for h, _ in keys], kinds, now)
            self.queries += 1
            out = {}
            for key in keys:
                tok, user = rows.get(key[0], (None, None))
                if tok is not None and tok.kind in key[1]:
                    out[key] = principal_of(tok, user)
            q.touch_tokens(session, [tok.id for tok, _ in rows.values()
                                     if needs_touch(tok, now)], now)
            session.commit()
        return out


def for_app(app: Flask) -> Admission:
    found = app.extensions.get("kendali_admission")
    if found is None:
        found = app.extensions["kendali_admission"] = Admission(app)
    return found
