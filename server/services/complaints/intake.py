"""Intake: one path for a single complaint and for batches of thousands.

A batch is validated in Python, placed with one bulk lookup, inserted with one statement,
then flagged for duplicates and logged (timeline, events, audit) with one more: three
statements whatever its size, inside a savepoint. Should that fail, each item is retried
alone in its own savepoint, so one bad item never takes the others down and never leaves a
partial row. A single complaint takes the same path without the savepoint (its transaction
is all-or-nothing already) and without the redelivery pre-check (a conflict on insert
answers it), to keep a POST at a handful of round trips.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from geo.complaint import SubmissionError
from geo.complaint import parse_submission
from geo.privacy import content_hash
from server.auth.scope import Principal
from server.errors import database_unavailable
from server.platform import clock
from server.platform import crypto
from server.queries.complaints import intake as q
from server.queries.complaints import log as log_q
from server.realtime import events
from server.services import audit
from server.services.complaints import placement
from server.services.complaints import present
from server.services.complaints.levels import service_levels

log = logging.getLogger(__name__)

#: Stands for an NDJSON line that is not JSON (its item fails alone).
MALFORMED = object()


@dataclass
class Item:
    """One submitted item on its way through intake."""

    index: int
    data: Any
    sub: Any = None
    digest: str | None = None
    row: dict = field(default_factory=dict)
    public: dict = field(default_factory=dict)
    code: int | None = None
    body: dict | None = None

    def fail(self, code: int, error: str, fields: dict | None = None) -> None:
        """Settle the item as a failure (nothing of it is stored)."""
        self.code, self.body = code, {"error": error, **({"fields": fields} if fields else {})}

    def result(self) -> dict:
        """Its entry in a batch answer: index, HTTP-like code, then the body."""
        return {"index": self.index, "code": self.code, **(self.body or {})}


def submit(session: Session, principal: Principal, items: list[Any]) -> list[Item]:
    """Take complaints from a channel key; every item ends with a code and a body."""
    now = clock.now()
    work = [Item(i, data) for i, data in enumerate(items)]
    _validate(work, principal.channel, now)
    pending = [it for it in work if it.code is None]
    if len(work) > 1:  # a batch: redeliveries are answered before any placement work
        pending = _settle_known(session, principal.channel, pending)
    placement.place_items(session, pending, principal.channel)
    fresh = [it for it in pending if it.code is None]
    levels = service_levels()
    for it in fresh:
        it.row["verify_due"] = levels.verify_due(it.sub.received_at)
    if len(work) == 1:
        _store_single(session, principal, fresh, now)
    else:
        _store_batch(session, principal, fresh, now)
    session.commit()
    settle_followers(work)
    return work


def _store_single(session: Session, principal: Principal, fresh: list[Item], now) -> None:
    """One complaint is all-or-nothing with its own transaction: no savepoint needed."""
    try:
        _store(session, principal, fresh, now)
    except Exception as exc:  # noqa: BLE001 - logged without its content
        session.rollback()
        _unless_unavailable(exc)
        _failed(fresh[0], exc)


def _store_batch(session: Session, principal: Principal, fresh: list[Item], now) -> None:
    """All at once in a savepoint; should that fail, each item alone in its own."""
    try:
        with session.begin_nested():
            _store(session, principal, fresh, now)
    except Exception as exc:  # noqa: BLE001 - fall back to one savepoint per item
        _unless_unavailable(exc)
        log.warning("complaint batch insert failed (%s); retrying item by item", type(exc).__name__)
        for it in fresh:
            _store_alone(session, principal, it, now)


def _validate(work: list[Item], channel: str, now: datetime) -> None:
    config = current_app.config
    key = crypto.identity_key()
    leaders: dict[str, Item] = {}
    for it in work:
        if it.data is MALFORMED:
            it.fail(400, "invalid complaint", {"body": "malformed JSON"})
            continue
        try:
            it.sub = parse_submission(
                it.data, channel=channel, categories=config["COMPLAINT_CATEGORIES"], now=now
            )
        except SubmissionError as exc:
            error = "not your channel" if exc.status == 403 else "invalid complaint"
            it.fail(exc.status, error, exc.fields)
            continue
        it.digest = content_hash(key, it.sub.canonical())
        lead = leaders.setdefault(it.sub.external_id, it)
        if lead is not it:  # the same external id twice in one batch: answered like a redelivery
            it.row["follows"] = lead


def _settle_known(session: Session, channel: str, items: list[Item]) -> list[Item]:
    """Answer redeliveries of stored complaints (200 same content, 409 other); keep the rest."""
    found = q.existing(session, channel, list({it.sub.external_id for it in items}))
    rest = []
    for it in items:
        stored = found.get(it.sub.external_id)
        if stored is not None:
            _answer_known(it, stored)
        elif "follows" not in it.row:
            rest.append(it)
    return rest


def _answer_known(it: Item, stored: dict) -> None:
    if stored["content_hash"] == it.digest:
        it.code, it.body = 200, present.intake_body(stored)
    else:
        it.fail(
            409,
            "this external_id was already submitted with other content",
            {"external_id": "already used for another complaint"},
        )


def _store(session: Session, principal: Principal, items: list[Item], now) -> None:
    """Insert ``items`` and log them; settle each as 201 (or as a concurrent redelivery)."""
    if not items:
        return
    inserted = q.insert_many(session, principal.channel, [it.row for it in items], now)
    created = []
    for it in items:
        got = inserted.get(it.sub.external_id)
        if got is None:
            continue  # inserted meanwhile by a concurrent request: settled below
        cid, lon, lat = got
        it.public.update(id=cid, lon=lon, lat=lat, status="baru", overdue=False)
        created.append(it)
    duplicates = _flag_and_log(session, principal, created, now)
    for it in created:
        it.public["possible_duplicate_of"] = duplicates.get(it.public["id"])
        it.code, it.body = 201, present.intake_body(it.public)
    _settle_known(session, principal.channel, [it for it in items if it.code is None])


def _store_alone(session: Session, principal: Principal, it: Item, now) -> None:
    try:
        with session.begin_nested():
            _store(session, principal, [it], now)
    except Exception as exc:  # noqa: BLE001 - reported per item, logged without its content
        _unless_unavailable(exc)
        _failed(it, exc)


def _unless_unavailable(exc: Exception) -> None:
    """Re-raise a lost database: the whole request is then a 503 (send it again), with
    nothing stored, instead of items answered 500 one by one."""
    if database_unavailable(exc):
        raise exc


def _failed(it: Item, exc: Exception) -> None:
    """Settle an item the database refused. The log names the error's type only: its text
    would carry the statement's parameters (reporter data, descriptions) into the log."""
    log.error("complaint item %d could not be stored: %s", it.index, type(exc).__name__)
    it.fail(500, "internal error: this complaint was not stored, send it again")


def _flag_and_log(
    session: Session, principal: Principal, items: list[Item], now
) -> dict[int, int]:
    """Duplicate flags, timeline, events and audit for new complaints: one statement."""
    return log_q.flag_and_log_created(
        session,
        similarity=current_app.config["COMPLAINT_SIMILARITY"],
        at=now,
        actor=principal.label,
        role=principal.role,
        ip=audit.client_ip(),
        event_type=events.COMPLAINT_CREATED,
        rows=[
            (
                it.public["id"],
                {"channel": principal.channel, "placement": it.row.get("placement")},
                present.finest_code(it.public),
                present.event_payload(it.public),
                _audit_after(it),
            )
            for it in items
        ],
    )


def _audit_after(it: Item) -> dict:
    return {
        "channel": it.public["channel"],
        "external_id": it.sub.external_id,
        "category": it.public["category"],
        "status": "baru",
        "area": present.finest_code(it.public),
        "possible_duplicate_of": it.public.get("possible_duplicate_of"),
    }


def settle_followers(work: list[Item]) -> None:
    """Items repeating an external id earlier in the same batch answer as redeliveries."""
    for it in work:
        lead = it.row.get("follows")
        if lead is None or it.code is not None:
            continue
        if lead.code in (200, 201) and lead.digest == it.digest:
            it.code, it.body = 200, dict(lead.body or {})
        elif lead.code in (200, 201):
            _answer_known(it, {"content_hash": lead.digest})
        else:
            it.code, it.body = lead.code, dict(lead.body or {})
