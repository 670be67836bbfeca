"""Who could go to an incident area: the nearest responders the caller may choose from."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

_NEAREST = """
SELECT r.id, r.type, r.name, r.phone, r.availability, r.district_code, r.km,
       d.incident_id AS open_incident, d.state AS open_state
  FROM incident_areas ia
  JOIN areas a ON a.code = ia.code
 CROSS JOIN LATERAL (
       SELECT r.id, r.type, r.name, r.phone, r.availability, r.district_code,
              ST_Distance(r.loc, coalesce(ia.anchor, a.point)::geography) / 1000 AS km
         FROM responders r
        WHERE r.active AND r.loc IS NOT NULL AND {in_scope}
        ORDER BY r.loc <-> coalesce(ia.anchor, a.point)::geography
        LIMIT :k) r
  LEFT JOIN LATERAL (
       SELECT x.incident_id, x.state FROM dispatches x
        WHERE x.responder_id = r.id
          AND x.state IN ('notified', 'acknowledged', 'en_route', 'on_site')
        ORDER BY x.id DESC LIMIT 1) d ON true
 WHERE ia.incident_id = :incident AND ia.code = :code
 ORDER BY r.km
"""


def nearest_to_area(session: Session, scope, incident_id: int, code: str,
                    k: int = 15) -> list[dict]:
    """The ``k`` nearest active responders in ``scope`` (by home district) to the dispatch
    anchor of an incident area: distance, availability and any open dispatch of theirs."""
    params = {"incident": incident_id, "code": code, "k": k}
    if scope.national:
        in_scope = "true"
    elif scope.region:
        in_scope = "(r.district_code = :region OR r.district_code LIKE :region_like)"
        params.update(region=scope.region, region_like=scope.region + ".%")
    else:
        in_scope = "false"
    rows = session.execute(text(_NEAREST.format(in_scope=in_scope)), params).mappings()
    return [dict(r) for r in rows]
