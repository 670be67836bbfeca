"""CAP 1.2 messages for quakes and incidents, and the Atom feed of current alerts.

Scoped like every read: a regional account gets only quakes and incidents that concern its
area, with only its own areas in the message (and an identifier of its own, since the
content differs from the national message). Messages are restricted to partner agencies
(``scope`` Restricted): Kendali tells BNPB/BPBD what the ministry sees and does; public
warnings are BMKG's and BNPB's.

Mappings (documented in the README): quake severity from the strongest predicted MMI
(VIII+ Extreme, VII Severe, VI Moderate, below Minor); urgency Immediate when the quake
reaches the incident intensity (people are dispatched), Past otherwise; certainty Observed.
Incidents: severity as set, urgency Immediate while active and Past once closed. A revised
quake (revision n > 1) is an ``Update`` whose ``references`` list revisions 1..n-1.
"""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta

from sqlalchemy.orm import Session

from geo import atom
from geo import cap
from server.queries import alerts as q
from server.queries import incidents as incident_queries
from server.queries import quakes as quake_queries

SENDER = "kendali@kemensos.go.id"
PREFIX = "kemensos.go.id.kendali"
SENDER_NAME = {"id-ID": "Kementerian Sosial RI — Pusat Kendali",
               "en-US": "Ministry of Social Affairs of Indonesia — Command Center"}
RESTRICTION = ("For the Ministry of Social Affairs and partner agencies (BNPB, BPBD, BMKG); "
               "not for public broadcast.")
QUAKE_EXPIRES = timedelta(days=3)


def _suffix(scope) -> str:
    return "" if scope.national else f".{scope.region or 'none'}"


def _quake_ident(quake_id: int, revision: int, scope) -> str:
    return f"{PREFIX}.quake.{quake_id}.r{revision}{_suffix(scope)}"


def _quake_texts(row, regencies: list, affected_mmi: float) -> dict[str, tuple[str, str]]:
    when = row.origin_time.astimezone(cap.WIB).strftime("%Y-%m-%d %H:%M:%S")
    people = sum(r.population or 0 for r in regencies)
    people_id = f"{people:,}".replace(",", ".")  # Indonesian thousands separator
    place = row.region_text or f"{row.lat:.2f}, {row.lon:.2f}"
    mmi, floor = cap.roman(row.max_mmi), cap.roman(affected_mmi)
    tsunami = {"id-ID": " Berpotensi tsunami." if row.tsunami else "",
               "en-US": " Tsunami potential." if row.tsunami else ""}
    return {
        "id-ID": (f"Gempa M{row.magnitude:.1f} — {place}",
                  f"Gempa bumi magnitudo {row.magnitude:.1f}, kedalaman {row.depth_km:.0f} km, "
                  f"{when} WIB, {place}. Intensitas maksimum perkiraan {mmi} MMI. "
                  f"{len(regencies)} kabupaten/kota terdampak (≥ {floor} MMI), "
                  f"{people_id} jiwa." + tsunami["id-ID"]),
        "en-US": (f"M{row.magnitude:.1f} earthquake — {place}",
                  f"Magnitude {row.magnitude:.1f} earthquake, {row.depth_km:.0f} km deep, "
                  f"{when} WIB (UTC+7), {place}. Strongest predicted intensity {mmi} MMI. "
                  f"{len(regencies)} regencies/cities affected (≥ {floor} MMI), "
                  f"population {people:,}." + tsunami["en-US"]),
    }


def _areas(rows) -> list[cap.Area]:
    return [cap.Area(desc=r.name, polygons=cap.polygons_from_wkb(r.wkb) if r.wkb else [],
                     geocodes=[("KEMENDAGRI", r.code)]) for r in rows]


def quake_alert(session: Session, scope, quake_id: int, base_url: str, config) -> bytes | None:
    """The CAP message of a quake's current revision, or None when missing/out of scope."""
    row = quake_queries.scoped_quake(session, scope, quake_id)
    if row is None:
        return None
    regencies = q.quake_regencies(session, quake_id, scope)
    affected = config["QUAKE_AFFECTED_MMI"]
    areas = _areas(regencies)
    radius = q.contour_radius(session, quake_id, affected)
    if radius:
        areas.insert(0, cap.Area(desc=f"≥ {cap.roman(affected)} MMI",
                                 circles=[f"{row.lat:.4f},{row.lon:.4f} {radius:.1f}"]))
    times = [row.created_at] + q.revision_times(session, quake_id)
    references = [(_quake_ident(quake_id, n, scope), times[n - 1] if n - 1 < len(times)
                   else row.created_at) for n in range(1, row.revision)]
    texts = _quake_texts(row, regencies, affected)
    params = [("BMKG_ID", row.bmkg_id or ""), ("MAGNITUDE", f"{row.magnitude:.1f}"),
              ("DEPTH_KM", f"{row.depth_km:.0f}"), ("MMI_MAX", f"{row.max_mmi or 0:.1f}"),
              ("REVISION", str(row.revision))]
    infos = [cap.Info(
        language=lang, category="Geo", event=cap.HAZARD_EVENT["earthquake"][i],
        response_type="Monitor",
        urgency=cap.quake_urgency(row.max_mmi, config["INCIDENT_MIN_MMI"]),
        severity=cap.quake_severity(row.max_mmi), certainty="Observed",
        headline=texts[lang][0], description=texts[lang][1], sender_name=SENDER_NAME[lang],
        effective=row.updated_at, onset=row.origin_time,
        expires=row.origin_time + QUAKE_EXPIRES, web=f"{base_url}/api/v1/quakes/{row.id}",
        parameters=params, areas=areas) for i, lang in enumerate(("id-ID", "en-US"))]
    incident = incident_queries.incident_for_quake(session, quake_id)
    alert = cap.Alert(
        identifier=_quake_ident(quake_id, row.revision, scope), sender=SENDER,
        sent=row.updated_at, msg_type="Update" if references else "Alert",
        restriction=RESTRICTION, references=references,
        incidents=f"{PREFIX}.incident.{incident.id}" if incident else None, infos=infos)
    return cap.to_xml(alert)


def incident_alert(session: Session, scope, incident_id: int, base_url: str) -> bytes | None:
    """The CAP message of an incident: an Alert while active, an Update once closed."""
    row = incident_queries.scoped_incident(session, scope, incident_id)
    if row is None:
        return None
    regions = q.incident_regions(session, incident_id, scope)
    areas = _areas(regions)
    outline = q.incident_outline(session, incident_id) if scope.national else None
    if outline and row.quake_id is None:
        areas.insert(0, cap.Area(desc=row.title, polygons=cap.polygons_from_wkb(outline)))
    base_ident = f"{PREFIX}.incident.{row.id}{_suffix(scope)}"
    closed = row.status != "active"
    names = cap.HAZARD_EVENT.get(row.hazard, cap.HAZARD_EVENT["other"])
    where = ", ".join(r.name for r in regions[:10]) + (" …" if len(regions) > 10 else "")
    texts = {
        "id-ID": (f"{names[0]}: {row.title}", f"{names[0]} ({row.severity}). Pendamping "
                  f"Kemensos ditugaskan ke {len(regions)} wilayah: {where}."),
        "en-US": (f"{names[1]}: {row.title}", f"{names[1]} ({row.severity}). Ministry field "
                  f"companions dispatched to {len(regions)} areas: {where}."),
    }
    infos = [cap.Info(
        language=lang, category=cap.HAZARD_CATEGORY.get(row.hazard, "Other"),
        event=names[i], response_type="Assess" if not closed else "AllClear",
        urgency="Past" if closed else "Immediate", severity=cap.incident_severity(row.severity),
        certainty="Observed", headline=texts[lang][0], description=texts[lang][1],
        sender_name=SENDER_NAME[lang], effective=row.closed_at if closed else row.created_at,
        web=f"{base_url}/api/v1/incidents/{row.id}", parameters=[("STATUS", row.status)],
        areas=areas) for i, lang in enumerate(("id-ID", "en-US"))]
    alert = cap.Alert(
        identifier=base_ident + (".closed" if closed else ""), sender=SENDER,
        sent=(row.closed_at or row.created_at) if closed else row.created_at,
        msg_type="Update" if closed else "Alert", restriction=RESTRICTION,
        references=[(base_ident, row.created_at)] if closed else [],
        incidents=f"{PREFIX}.incident.{row.id}", infos=infos)
    return cap.to_xml(alert)


def feed(session: Session, scope, base_url: str, self_url: str, days: int,
         now: datetime) -> bytes:
    """Atom: quakes of the last ``days`` days and active incidents, newest first."""
    entries = []
    for r in quake_queries.scoped_quakes(session, scope, start=now - timedelta(days=days),
                                         limit=500):
        entries.append(atom.Entry(
            id=f"tag:kemensos.go.id,2026:kendali:quake:{r.id}",
            title=f"M{r.magnitude:.1f} — {r.region_text or ''}".strip(" —"),
            updated=r.updated_at, link=f"{base_url}/api/v1/quakes/{r.id}/cap",
            summary=f"{r.origin_time.astimezone(cap.WIB):%Y-%m-%d %H:%M} WIB, "
                    f"{r.depth_km:.0f} km, MMI {cap.roman(r.max_mmi)}", category="quake"))
    for i in incident_queries.scoped_incidents(session, scope, limit=500):
        if i.status == "active":
            entries.append(atom.Entry(
                id=f"tag:kemensos.go.id,2026:kendali:incident:{i.id}", title=i.title,
                updated=i.created_at, link=f"{base_url}/api/v1/incidents/{i.id}/cap",
                summary=f"{i.hazard}, {i.severity}", category="incident"))
    entries.sort(key=lambda e: e.updated, reverse=True)
    return atom.feed(f"tag:kemensos.go.id,2026:kendali:alerts{_suffix(scope)}",
                     "Kendali — peringatan / alerts", self_url,
                     SENDER_NAME["id-ID"], entries, now)
