"""Taking a CAP message in: check it, store it with its areas, follow its references.

One path for every entry point (the poller, ``POST /api/v1/alerts/cap``): a refused message
changes nothing but the count of refusals (with its field and reason); an accepted one is
stored with its polygons and districts in one transaction, ends the warnings it updates or
cancels, and logs its events, which go out after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from geo import warnings as rules
from geo.capin import CapAlert
from geo.capin import parse_alert
from geo.capxml import CapError
from geo.dispatch import HAZARDS
from geo.dispatch import SEVERITIES
from geo.hazards import classify
from server.errors import ApiError
from server.models import WarningRow
from server.platform import clock
from server.queries import events as event_queries
from server.queries import warnings as q
from server.realtime import events
from server.services.warnings.present import ended_summary
from server.services.warnings.present import summary
from server.services.warnings.where import Where
from server.services.warnings.where import affected

#: Messages that carry no warning (CAP: an acknowledgement, an error report).
NOT_WARNINGS = ("Ack", "Error")


class Rejected(ApiError):
    """A message refused; ``fields`` names the element at fault."""

    def __init__(self, field_: str, reason: str, status: int = 400):
        super().__init__(f"CAP message refused: {field_}: {reason}", {field_: reason}, status)
        self.field, self.reason = field_, reason


@dataclass
class Outcome:
    """What a message did: its row, whether it was new, and the warnings it ended."""

    warning: WarningRow
    created: bool
    ended: list[int] = field(default_factory=list)
    where: Where | None = None


def _refuse(session: Session, source: str, origin: str | None, alert: CapAlert | None,
            exc: Rejected) -> Rejected:
    """Record the refusal on its own (nothing of the message is kept) and return it."""
    session.rollback()
    q.reject(session, source=source, origin=origin, field=exc.field, reason=exc.reason[:500],
             identifier=alert.identifier if alert else None,
             sender=alert.sender if alert else None)
    session.commit()
    return exc


def _parse(payload: bytes) -> CapAlert:
    try:
        return parse_alert(payload, current_app.config["CAP_MAX_BYTES"])
    except CapError as exc:
        too_big = exc.field == "message" and "larger than" in exc.reason
        raise Rejected(exc.field, exc.reason, 413 if too_big else 400) from None


def _check(alert: CapAlert, agency: str | None) -> None:
    if agency is not None and alert.sender != agency:
        raise Rejected("sender", f"this key pushes only as {agency!r}", 403)
    if alert.msg_type in NOT_WARNINGS:
        raise Rejected("msgType", f"{alert.msg_type} messages carry no warning")
    if alert.info is None:
        raise Rejected("info", "missing: a warning needs at least one info block")


def _earlier(session: Session, alert: CapAlert) -> list[WarningRow]:
    """The stored messages this one updates or cancels. Only the sender's own messages count
    (nobody updates another agency's warning); an update or cancellation that matches none
    of them cannot be placed and is refused."""
    own = [ref.identifier for ref in alert.references if ref.sender == alert.sender]
    found = q.referenced(session, alert.sender, own)
    if alert.msg_type in ("Update", "Cancel") and not found:
        wanted = ", ".join(f"{r.sender},{r.identifier}" for r in alert.references)[:300]
        raise Rejected("references", f"no earlier message of this sender is known: {wanted}",
                       422)
    return found


def _row(alert: CapAlert, payload: bytes, source: str, origin: str | None) -> WarningRow:
    info = alert.info
    kind = classify(alert)
    table = rules.parse_table(current_app.config["WARNING_ACTIONS"], HAZARDS, SEVERITIES)
    effective = alert.effective
    return WarningRow(
        identifier=alert.identifier, sender=alert.sender, sent=alert.sent, status=alert.status,
        msg_type=alert.msg_type, scope=alert.scope, source=source, origin=origin,
        hazard=kind.hazard, severity=kind.severity, level=kind.level, event=info.event[:500],
        urgency=info.urgency, certainty=info.certainty, language=info.language[:16],
        sender_name=info.sender_name, headline=info.headline, description=info.description,
        instruction=info.instruction, web=info.web,
        area_desc="; ".join(a.desc for a in info.areas)[:1000] or None,
        effective=effective, onset=info.onset, expires=alert.expires,
        ends_at=rules.ends_at(effective, alert.expires),
        action=rules.action_for(table, kind.hazard, kind.severity), state="active",
        references=[[r.sender, r.identifier, r.sent.isoformat()] for r in alert.references],
        quirks=list(alert.quirks), document=payload)


def _end(session: Session, rows: list[WarningRow], state: str, by: WarningRow) -> list[int]:
    ended = []
    for row in rows:
        if row.state == "active":
            row.state, row.ended_at, row.replaced_by = state, clock.now(), by.id
            ended.append(row.id)
    return ended


def _regions(session: Session, ids: list[int]) -> list[str]:
    return [d.code for wid in ids for d in q.districts_of(session, wid)]


def _log(session: Session, row: WarningRow, ended: list[int]) -> None:
    """The events of a new message: it appears (with what it replaces), or what it ended
    leaves the map. Only Actual messages are shown at all."""
    shown = row.state == "active" and row.status == q.SHOWN_STATUS
    mine = [d.code for d in q.districts_of(session, row.id)]
    if shown:
        kind = events.WARNING_UPDATED if ended else events.WARNING_CREATED
        event_queries.append(session, kind, mine + _regions(session, ended),
                             {**summary(row), "replaces": ended})
        return
    kind = events.WARNING_CANCELLED if row.msg_type == "Cancel" else events.WARNING_EXPIRED
    for wid in ended:
        event_queries.append(session, kind, _regions(session, [wid]),
                             {**ended_summary(session.get(WarningRow, wid)), "by": row.id,
                              "reason": row.msg_type.lower()})


def _store(session: Session, alert: CapAlert, payload: bytes, source: str,
           origin: str | None) -> Outcome:
    earlier = _earlier(session, alert)
    row = _row(alert, payload, source, origin)
    session.add(row)
    session.flush()
    where = affected(session, alert, alert.info, row.hazard)
    if where.outline:
        row.geom = q.outline(where.outline)
    q.replace_districts(session, row.id, where.rows)
    row.unresolved = where.unresolved
    now = clock.now()
    if alert.msg_type == "Cancel":
        row.state, row.ended_at = "cancelled", now
    elif row.ends_at <= now:
        row.state, row.ended_at = "expired", now  # the past, stored for the record only
    ended = []
    if alert.status == q.SHOWN_STATUS:  # a test message never ends a real warning
        ended = _end(session, earlier, "cancelled" if alert.msg_type == "Cancel"
                     else "updated", row)
    _log(session, row, ended)
    return Outcome(row, True, ended, where)


def ingest(session: Session, payload: bytes, source: str, origin: str | None = None,
           agency: str | None = None) -> Outcome:
    """Check and store one CAP message; a repeat (same sender and identifier) changes
    nothing. Commits.

    Raises:
        Rejected: the message is refused (recorded with its reason); nothing else changed.
    """
    alert = None
    try:
        alert = _parse(payload)
        _check(alert, agency)
        existing = q.by_message(session, alert.sender, alert.identifier)
        if existing is not None:
            return Outcome(existing, False)
        outcome = _store(session, alert, payload, source, origin)
        session.commit()
        return outcome
    except Rejected as exc:
        raise _refuse(session, source, origin, alert, exc) from None
    except IntegrityError:  # the same message stored meanwhile (a parallel push)
        session.rollback()
        existing = q.by_message(session, alert.sender, alert.identifier) if alert else None
        if existing is None:
            raise
        return Outcome(existing, False)
