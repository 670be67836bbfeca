"""``GET /healthz``: is the database up, how many areas are loaded; details by role."""

from __future__ import annotations

import logging

from flask import Blueprint
from flask import current_app
from flask import jsonify
from sqlalchemy.exc import SQLAlchemyError

from geo import holidays as calendar
from server.auth import request as auth
from server.platform import clock
from server.platform.db import get_db
from server.platform.db import get_session
from server.platform.embedded import EmbeddedError
from server.queries import areas as area_queries
from server.queries import events as event_queries
from server.queries import feeds as feed_queries
from server.queries import health as health_queries
from server.queries import warnings as warning_queries
from server.realtime import sockets
from server.realtime import status

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Answer 200 with what the caller may know, or 503 with the reason when the database
    is down.

    Anyone (a load balancer): the status, the area, quake and warning counts, demo mode,
    Redis and the live clients this process holds (behind a proxy each app answers for
    itself). Signed-in users: also the event log's last sequence (the pages start their
    catch-up from it), each feed's freshness, the last refused CAP messages and where the
    holidays come from. Admins: also PostGIS, the database kind, each feed's URL and last
    error, and where each refused message came from.
    """
    principal = auth.current_principal()
    staff = principal.kind == "user"
    admin = staff and principal.role == "admin"
    try:
        session = get_session()
        version = health_queries.postgis_version(session)
        counts = area_queries.counts_by_level(session)
        seq = event_queries.last_seq(session) if staff else None
        feeds = {f.name: _feed(f, admin) for f in feed_queries.all_states(session)} \
            if staff else None
        quakes = health_queries.quake_counts(session)
        warnings = warning_queries.health(session, clock.now(), rejections=5 if staff else 0,
                                          origins=admin)
    except (SQLAlchemyError, EmbeddedError) as exc:
        log.warning("healthz: database unreachable: %s", str(exc).splitlines()[0])
        return jsonify({"status": "unavailable", "reason": "database unreachable"}), 503
    if version is None:
        return jsonify({"status": "unavailable", "reason": "PostGIS extension missing"}), 503
    body = {"status": "ok", "areas": counts, "quakes": quakes, "warnings": warnings,
            "demo": bool(current_app.config["DEMO"]), "redis": status.STATE["redis"],
            # this process's: behind a proxy, each app answers for itself
            "live": {"clients": sockets.live_clients()}}
    if staff:
        body.update(event_seq=seq, feeds=feeds, holidays=_holidays())
    if admin:
        body.update(postgis=version, database="embedded" if get_db().is_embedded else "external")
    return jsonify(body)


def _holidays() -> dict:
    """Where this year's and next year's holidays come from; a warning when only estimated."""
    today = clock.now().date()
    years = {str(y): calendar.coverage(y) for y in (today.year, today.year + 1)}
    return {"years": years, "warnings": calendar.warnings(today)}


def _iso(moment):
    return moment.isoformat() if moment else None


def _feed(state, admin: bool) -> dict:
    shown = {
        "last_success": _iso(state.last_success_at),
        "last_attempt": _iso(state.last_attempt_at),
        "last_change": _iso(state.last_change_at),
        "stale": state.stale,
        "consecutive_failures": state.consecutive_failures,
        "records_accepted": state.records_accepted,
        "records_rejected": state.records_rejected,
        "payloads_rejected": state.payloads_rejected,
    }
    if admin:
        shown.update(url=state.url, last_error=state.last_error)
    return shown
