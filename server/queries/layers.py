"""The layers that leave Kendali through open standards (OGC API - Features, exports).

One :class:`Layer` per collection: its tables, scope clause, feature id, geometry, time and
property columns, in SQL. The OGC items (:mod:`server.queries.ogc`) and the exports
(:mod:`server.queries.exports`) both select from here, so a collection and its download can
never disagree on who sees what. Complaints carry only the columns the map may show
(:mod:`server.services.complaints.present` shapes them); a whistleblower's geometry is its
district's point, never the stored one, and no reporter column is ever selected.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field

from geoalchemy2 import Geometry
from sqlalchemy import ColumnElement
from sqlalchemy import Select
from sqlalchemy import case
from sqlalchemy import cast
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import true
from sqlalchemy.orm import aliased

from server.models import AreaRow
from server.models import ComplaintRow
from server.models import ContourRow
from server.models import DispatchRow
from server.models import IncidentAreaRow
from server.models import IncidentRow
from server.models import QuakeAreaRow
from server.models import QuakeRow
from server.models import ResponderRow
from server.models import UnitRow
from server.queries import quakes
from server.queries.complaints.reads import link_detail
from server.queries.complaints.reads import linked
from server.queries.complaints.reads import scope_clause as complaint_scope

WHISTLEBLOWER = "whistleblower"


@dataclass(frozen=True)
class Column:
    """One property: its name outside, SQL expression and type (str, int, float, bool,
    datetime)."""

    name: str
    expr: ColumnElement
    type: str = "str"
    #: The expression for a reader's scope, when it depends on it (links to other rows).
    scoped: Callable[[object], ColumnElement] | None = None

    def for_scope(self, scope) -> ColumnElement:
        """The labelled expression as ``scope`` sees it."""
        return (self.scoped(scope) if self.scoped else self.expr).label(self.name)


@dataclass(frozen=True)
class Layer:
    """A collection's SQL: ``select(scope, *columns)`` is scoped; ``match(fid)`` finds one."""

    id: str
    geometry_type: str
    fid: ColumnElement
    geom: ColumnElement
    time: ColumnElement | None
    columns: tuple[Column, ...]
    joins: Callable[[Select], Select]
    scope: Callable[[object], ColumnElement[bool]]
    match: Callable[[str], list | None]
    order: tuple = ()
    where: tuple = ()
    queryables: tuple[str, ...] = ()
    point: tuple[ColumnElement, ColumnElement] | None = field(default=None)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def select(self, scope, *columns) -> Select:
        return self.joins(select(*columns)).where(self.scope(scope), *self.where)

    def properties(self, scope) -> list[ColumnElement]:
        """The property columns, labelled, as ``scope`` sees them."""
        return [c.for_scope(scope) for c in self.columns]


def _int_key(column) -> Callable[[str], list | None]:
    def match(fid: str) -> list | None:
        return [column == int(fid)] if fid.isdigit() and len(fid) < 19 else None

    return match


def _pair_key(left, right, right_type=str) -> Callable[[str], list | None]:
    """Composite ids ``<quake id>-<second part>`` (a bad id is simply not found: 404)."""

    def match(fid: str) -> list | None:
        head, sep, tail = fid.partition("-")
        if not sep or not head.isdigit() or len(head) > 18 or not tail:
            return None
        try:
            value = right_type(tail)
        except ValueError:
            return None
        return [left == int(head), right == value]

    return match


# -- administrative areas -------------------------------------------------------------------
def _areas(layer_id: str, depth: int) -> Layer:
    a = AreaRow
    return Layer(
        id=layer_id,
        geometry_type="MULTIPOLYGON",
        fid=a.code,
        geom=a.geom,
        time=None,
        columns=(
            Column("code", a.code), Column("name", a.name), Column("level", a.level),
            Column("parent_code", a.parent_code), Column("province_code", a.province_code),
            Column("regency_code", a.regency_code),
            Column("population", a.population, "int"),
            Column("population_estimated", a.population_estimated, "bool"),
            Column("area_km2", a.area_km2, "float"), Column("coastal", a.coastal, "bool"),
        ),
        joins=lambda s: s.select_from(a),
        scope=lambda sc: sc.code_clause(a.code),
        match=lambda fid: [a.code == fid[:16]],
        order=(a.code,),
        where=(a.depth == depth,),
        queryables=("code", "name", "parent_code", "province_code", "regency_code"),
        point=(func.ST_X(a.point), func.ST_Y(a.point)),
    )


# -- quakes ---------------------------------------------------------------------------------
Q = QuakeRow


def quake_scope(scope) -> ColumnElement[bool]:
    """The quakes of ``scope``: :func:`server.queries.quakes.visible`."""
    return quakes.visible(scope)


QUAKES = Layer(
    id="quakes",
    geometry_type="POINT",
    fid=Q.id,
    geom=Q.geom,
    time=Q.origin_time,
    columns=(
        Column("id", Q.id, "int"), Column("origin_time", Q.origin_time, "datetime"),
        Column("magnitude", Q.magnitude, "float"), Column("depth_km", Q.depth_km, "float"),
        Column("lat", Q.lat, "float"), Column("lon", Q.lon, "float"),
        Column("region_text", Q.region_text), Column("tsunami", Q.tsunami, "bool"),
        Column("tsunami_text", Q.tsunami_text), Column("max_mmi", Q.max_mmi, "float"),
        Column("revision", Q.revision, "int"), Column("bmkg_id", Q.bmkg_id),
        Column("sources", func.array_to_string(Q.sources, ",")),
        Column("updated_at", Q.updated_at, "datetime"),
    ),
    joins=lambda s: s.select_from(Q),
    scope=quake_scope,
    match=_int_key(Q.id),
    order=(Q.origin_time.desc(), Q.id.desc()),
    queryables=("bmkg_id", "tsunami", "revision"),
    point=(Q.lon, Q.lat),
)

CT = ContourRow
QUAKE_CONTOURS = Layer(
    id="quake-contours",
    geometry_type="MULTIPOLYGON",
    fid=func.concat(CT.quake_id, "-", CT.mmi),  # float8 as text: "4", "4.5"
    geom=CT.geom,
    time=Q.origin_time,
    columns=(
        Column("quake_id", CT.quake_id, "int"), Column("mmi", CT.mmi, "float"),
        Column("radius_km", CT.radius_km, "float"),
        Column("origin_time", Q.origin_time, "datetime"),
        Column("magnitude", Q.magnitude, "float"), Column("depth_km", Q.depth_km, "float"),
    ),
    joins=lambda s: s.select_from(CT).join(Q, Q.id == CT.quake_id),
    scope=quake_scope,
    match=_pair_key(CT.quake_id, CT.mmi, float),
    order=(Q.origin_time.desc(), CT.quake_id.desc(), CT.mmi),
    queryables=("quake_id", "mmi"),
    point=(Q.lon, Q.lat),
)

QA = QuakeAreaRow
_QA_AREA = aliased(AreaRow)
QUAKE_AREAS = Layer(
    id="quake-areas",
    geometry_type="MULTIPOLYGON",
    fid=func.concat(QA.quake_id, "-", QA.code),
    geom=_QA_AREA.geom,
    time=Q.origin_time,
    columns=(
        Column("quake_id", QA.quake_id, "int"), Column("code", QA.code),
        Column("level", QA.level), Column("name", QA.name),
        Column("distance_km", QA.distance_km, "float"),
        Column("predicted_mmi", QA.predicted_mmi, "float"),
        Column("observed_mmi", QA.observed_mmi, "float"), Column("mmi", QA.mmi, "float"),
        Column("population", QA.population, "int"), Column("tsunami_level", QA.tsunami_level),
        Column("origin_time", Q.origin_time, "datetime"),
        Column("magnitude", Q.magnitude, "float"),
    ),
    joins=lambda s: s.select_from(QA).join(Q, Q.id == QA.quake_id)
    .join(_QA_AREA, _QA_AREA.code == QA.code),
    scope=lambda sc: sc.code_clause(QA.code),
    match=_pair_key(QA.quake_id, QA.code),
    order=(Q.origin_time.desc(), QA.quake_id.desc(), QA.mmi.desc(), QA.code),
    queryables=("quake_id", "code", "level", "tsunami_level"),
    point=(func.ST_X(_QA_AREA.point), func.ST_Y(_QA_AREA.point)),
)


# -- incidents, responders, dispatches ------------------------------------------------------
I = IncidentRow  # noqa: E741 - the model's initial, as Q for quakes


def incident_scope(scope) -> ColumnElement[bool]:
    """National: every incident; an area: incidents with an area inside it."""
    if scope.national:
        return true()
    mine = select(IncidentAreaRow.incident_id).where(scope.code_clause(IncidentAreaRow.code))
    return I.id.in_(mine)


INCIDENTS = Layer(
    id="incidents",
    geometry_type="MULTIPOLYGON",
    fid=I.id,
    geom=I.geom,
    time=I.created_at,
    columns=(
        Column("id", I.id, "int"), Column("hazard", I.hazard), Column("severity", I.severity),
        Column("title", I.title), Column("status", I.status),
        Column("quake_id", I.quake_id, "int"), Column("created_at", I.created_at, "datetime"),
        Column("closed_at", I.closed_at, "datetime"),
    ),
    joins=lambda s: s.select_from(I),
    scope=incident_scope,
    match=_int_key(I.id),
    order=(I.created_at.desc(), I.id.desc()),
    queryables=("hazard", "severity", "status", "quake_id"),
    point=(func.ST_X(func.ST_PointOnSurface(I.geom)), func.ST_Y(func.ST_PointOnSurface(I.geom))),
)

R = ResponderRow
_LOC = cast(R.loc, Geometry)
RESPONDERS = Layer(
    id="responders",
    geometry_type="POINT",
    fid=R.id,
    geom=_LOC,
    time=R.position_at,
    columns=(
        # No phone number: contact details stay in the command room's own screens.
        Column("id", R.id, "int"), Column("type", R.type), Column("name", R.name),
        Column("external_ref", R.external_ref), Column("availability", R.availability),
        Column("active", R.active, "bool"), Column("province_code", R.province_code),
        Column("regency_code", R.regency_code), Column("district_code", R.district_code),
        Column("position_at", R.position_at, "datetime"),
        Column("position_accuracy_m", R.position_accuracy_m, "float"),
    ),
    joins=lambda s: s.select_from(R),
    scope=lambda sc: sc.code_clause(R.district_code),
    match=_int_key(R.id),
    order=(R.id,),
    queryables=("type", "availability", "active", "province_code", "regency_code",
                "district_code"),
    point=(func.ST_X(_LOC), func.ST_Y(_LOC)),
)

D = DispatchRow
_D_AREA = aliased(AreaRow)
_D_RESPONDER = aliased(ResponderRow)
_D_INCIDENT = aliased(IncidentRow)
DISPATCHES = Layer(
    id="dispatches",
    geometry_type="POINT",
    fid=D.id,
    geom=_D_AREA.point,
    time=D.notified_at,
    columns=(
        Column("id", D.id, "int"), Column("incident_id", D.incident_id, "int"),
        Column("incident_title", _D_INCIDENT.title), Column("hazard", _D_INCIDENT.hazard),
        Column("area_code", D.area_code), Column("area_name", _D_AREA.name),
        Column("state", D.state), Column("responder_id", D.responder_id, "int"),
        Column("responder_type", _D_RESPONDER.type),
        Column("responder_name", _D_RESPONDER.name),
        Column("distance_km", D.distance_km, "float"),
        Column("notified_at", D.notified_at, "datetime"),
        Column("ack_deadline", D.ack_deadline, "datetime"),
        Column("state_at", D.state_at, "datetime"), Column("reason", D.reason),
    ),
    joins=lambda s: s.select_from(D)
    .join(_D_INCIDENT, _D_INCIDENT.id == D.incident_id)
    .join(_D_RESPONDER, _D_RESPONDER.id == D.responder_id)
    .outerjoin(_D_AREA, _D_AREA.code == D.area_code),
    scope=lambda sc: sc.code_clause(D.area_code),
    match=_int_key(D.id),
    order=(D.notified_at.desc(), D.id.desc()),
    queryables=("incident_id", "state", "area_code", "responder_id", "responder_type"),
    point=(func.ST_X(_D_AREA.point), func.ST_Y(_D_AREA.point)),
)

# -- complaints -----------------------------------------------------------------------------
C = ComplaintRow
_CP, _CR, _CD = aliased(AreaRow), aliased(AreaRow), aliased(AreaRow)
_CU = aliased(UnitRow)
#: A whistleblower's complaint is shown at its district's own point, or not at all.
_C_GEOM = case((C.channel == WHISTLEBLOWER, _CD.point), else_=C.geom)

COMPLAINTS = Layer(
    id="complaints",
    geometry_type="POINT",
    fid=C.id,
    geom=_C_GEOM,
    time=C.received_at,
    # The columns present.properties reads; never reporter, location, match or sealed.
    columns=(
        Column("id", C.id, "int"), Column("channel", C.channel),
        Column("external_id", C.external_id), Column("category", C.category),
        Column("status", C.status), Column("received_at", C.received_at, "datetime"),
        Column("created_at", C.created_at, "datetime"),
        Column("updated_at", C.updated_at, "datetime"),
        Column("description", C.description), Column("redacted", C.redacted),
        Column("province_code", C.province_code), Column("regency_code", C.regency_code),
        Column("district_code", C.district_code), Column("province_name", _CP.name),
        Column("regency_name", _CR.name), Column("district_name", _CD.name),
        Column("placement", C.placement), Column("assigned_to", C.assigned_to, "int"),
        Column("assigned_unit_name", _CU.name),
        Column("overdue", C.overdue, "bool"), Column("verify_due", C.verify_due, "datetime"),
        Column("follow_up_due", C.follow_up_due, "datetime"),
        # Links to complaints outside the reader's scope are not shown (not even the id).
        Column("possible_duplicate_of", C.possible_duplicate_of, "int",
               lambda sc: linked(sc, C.possible_duplicate_of)),
        Column("duplicate_reason", C.duplicate_reason, "str",
               lambda sc: link_detail(sc, C.duplicate_reason)),
        Column("primary_id", C.primary_id, "int", lambda sc: linked(sc, C.primary_id)),
    ),
    joins=lambda s: s.select_from(C)
    .outerjoin(_CP, _CP.code == C.province_code)
    .outerjoin(_CR, _CR.code == C.regency_code)
    .outerjoin(_CD, _CD.code == C.district_code)
    .outerjoin(_CU, _CU.id == C.assigned_to),
    scope=complaint_scope,
    match=_int_key(C.id),
    order=(C.received_at.desc(), C.id.desc()),
    queryables=("channel", "category", "status", "overdue", "placement", "province_code",
                "regency_code", "district_code", "assigned_to"),
    point=(func.ST_X(_C_GEOM), func.ST_Y(_C_GEOM)),
)

LAYERS: dict[str, Layer] = {
    layer.id: layer
    for layer in (
        _areas("provinces", 1), _areas("regencies", 2), _areas("districts", 3), QUAKES,
        QUAKE_CONTOURS, QUAKE_AREAS, INCIDENTS, COMPLAINTS, RESPONDERS, DISPATCHES,
    )
}

