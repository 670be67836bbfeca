"""Committed events to this process's Socket.IO clients: the wire form and the rooms."""

from __future__ import annotations

from server.auth.scope import area_room
from server.auth.scope import national_room
from server.auth.scope import responder_room
from server.auth.scope import unit_room
from server.extensions import socketio
from server.models import EventRow
from server.realtime.events import MSG_EVENT
from server.realtime.events import NAMESPACE


def message(row: EventRow) -> dict:
    """The wire form of an event: ``{"seq", "type", "time", "regions", "payload"}``."""
    return {
        "seq": row.seq,
        "type": row.type,
        "time": row.created_at.isoformat() if row.created_at else None,
        "regions": list(row.regions or []),
        "payload": row.payload,
    }


def rooms_for(row: EventRow) -> list[str]:
    """Every room that may see ``row``: national, its areas' rooms, its responders' rooms and
    its work units' rooms."""
    rooms = [national_room()]
    rooms += [area_room(code) for code in row.regions or [] if code.count(".") <= 1]
    rooms += [responder_room(rid) for rid in row.responder_ids or []]
    rooms += [unit_room(uid) for uid in row.unit_ids or []]
    return rooms


def publish_local(rows: list[EventRow]) -> None:
    """Emit committed events to this process's clients in their rooms (each client once).

    Only :mod:`server.realtime.publisher` calls this: every process tails the log itself, so
    the message queue is bypassed to avoid delivering an event twice.
    """
    for row in rows:
        socketio.emit(MSG_EVENT, message(row), to=rooms_for(row), namespace=NAMESPACE,
                      ignore_queue=True)
