"""Committed events to this process's Socket.IO clients: the wire form, the rooms, one encoding.

An event is encoded once (JSON, then the Socket.IO and Engine.IO framing) into packets that
every recipient's queue shares, live or catching up: with thousands of clients per process,
encoding per client cost more than sending. Who receives it is its :class:`Audience`, the one
rule for live delivery and catch-up alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.auth.scope import area_room
from server.auth.scope import national_room
from server.auth.scope import responder_room
from server.auth.scope import unit_room
from server.extensions import socketio
from server.models import EventRow
from server.realtime import manager
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


@dataclass(frozen=True)
class Audience:
    """The rooms an event reaches: national always, its provinces and regencies (its regions
    with at most one dot), its responders, its work units."""

    areas: frozenset[str]
    responders: frozenset[int]
    units: frozenset[int] = frozenset()

    @classmethod
    def of(cls, row: EventRow) -> Audience:
        return cls(frozenset(c for c in row.regions or [] if c.count(".") <= 1),
                   frozenset(row.responder_ids or []), frozenset(row.unit_ids or []))

    def rooms(self) -> list[str]:
        return [national_room(), *(area_room(c) for c in self.areas),
                *(responder_room(r) for r in self.responders),
                *(unit_room(u) for u in self.units)]


@dataclass(frozen=True)
class Viewer:
    """What a client's rooms let it see, for testing many events quickly (catch-up)."""

    national: bool
    areas: frozenset[str]
    responders: frozenset[int]
    units: frozenset[int] = frozenset()

    @classmethod
    def of(cls, rooms: list[str]) -> Viewer:
        areas, responders, units = set(), set(), set()
        for room in rooms:
            kind, _, key = room.partition(":")
            if kind in ("province", "regency") and area_room(key) == room:
                areas.add(key)
            elif kind == "responder" and key.isdigit():
                responders.add(int(key))
            elif kind == "unit" and key.isdigit():
                units.add(int(key))
        return cls(national_room() in rooms, frozenset(areas), frozenset(responders),
                   frozenset(units))

    def sees(self, audience: Audience) -> bool:
        """True when one of the rooms is among ``audience.rooms()``."""
        return (self.national or not self.areas.isdisjoint(audience.areas)
                or not self.responders.isdisjoint(audience.responders)
                or not self.units.isdisjoint(audience.units))


def rooms_for(row: EventRow) -> list[str]:
    """Every room that may see ``row``: national, its areas' rooms, its responders' rooms and
    its work units' rooms."""
    return Audience.of(row).rooms()


def encode(event: str, data) -> list:
    """Engine.IO packets of a ``/live`` message, ready for any number of queues."""
    return manager.encode(socketio.server, NAMESPACE, event, data)


def publish_local(rows: list[EventRow], window=None) -> None:
    """Emit committed events to this process's clients in their rooms (each client once),
    and keep them in ``window`` (the process's recent events, for catching up).

    Only :mod:`server.realtime.publisher` calls this: every process tails the log itself, so
    the message queue is bypassed to avoid delivering an event twice.
    """
    clients = socketio.server.manager
    for row in rows:
        audience = Audience.of(row)
        packets = encode(MSG_EVENT, message(row))
        if window is not None:
            window.append(row.seq, audience, packets)
        clients.deliver(packets, NAMESPACE, audience.rooms())
        # Let every socket's writer send it before the next: in a burst (an import commits a
        # thousand events at once) queues must measure a client's backlog, not the burst.
        socketio.sleep(0)
