"""Responders, incidents, dispatches and outbound notification deliveries."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geography
from geoalchemy2 import Geometry
from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import DateTime
from sqlalchemy import Float
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from geo.crs import WGS84
from server.models.base import Base

TS = DateTime(timezone=True)


class ResponderRow(Base):
    """A field companion (Tagana, TKSK, ...)."""

    __tablename__ = "responders"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(32))
    external_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    base = mapped_column(Geography("POINT", srid=WGS84, spatial_index=True))
    province_code: Mapped[str | None] = mapped_column(String(2))
    regency_code: Mapped[str | None] = mapped_column(String(5))
    district_code: Mapped[str | None] = mapped_column(String(8))
    position = mapped_column(Geography("POINT", srid=WGS84, spatial_index=False))
    position_at: Mapped[datetime | None] = mapped_column(TS)
    position_accuracy_m: Mapped[float | None] = mapped_column(Float)
    loc = mapped_column(Geography("POINT", srid=WGS84, spatial_index=True))
    availability: Mapped[str] = mapped_column(String(16), default="on_duty")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())


class PositionRow(Base):
    __tablename__ = "responder_positions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    responder_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("responders.id", ondelete="CASCADE")
    )
    at: Mapped[datetime] = mapped_column(TS)
    geom = mapped_column(Geometry("POINT", srid=WGS84, spatial_index=True))
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    incident_id: Mapped[int | None] = mapped_column(BigInteger)


class IncidentRow(Base):
    """What needs people: a quake's impact or an operator's polygon."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hazard: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="active")
    quake_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("quakes.id", ondelete="SET NULL"), unique=True
    )
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=WGS84, spatial_index=True))
    created_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())
    closed_at: Mapped[datetime | None] = mapped_column(TS)
    closed_by: Mapped[str | None] = mapped_column(Text)
    close_note: Mapped[str | None] = mapped_column(Text)
    # The latest quake of the sequence, dispatch change or report: the quiet period's start.
    last_activity_at: Mapped[datetime | None] = mapped_column(TS)


class IncidentAreaRow(Base):
    """An area an incident needs people in (the unit of dispatch)."""

    __tablename__ = "incident_areas"

    incident_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    level: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(Text)
    priority: Mapped[float] = mapped_column(Float, default=0.0)
    needed: Mapped[int] = mapped_column(Integer, default=2)
    unstaffed_at: Mapped[datetime | None] = mapped_column(TS)
    unstaffed_reason: Mapped[str | None] = mapped_column(Text)
    anchor = mapped_column(Geometry("POINT", srid=WGS84, spatial_index=False))
    # The incident's quake estimates no longer reach it (a revision conditioned on felt
    # reports): marked for the operator, never withdrawn automatically.
    below_at: Mapped[datetime | None] = mapped_column(TS)
    # Stood down on its own (the rest of the incident goes on).
    closed_at: Mapped[datetime | None] = mapped_column(TS)
    closed_by: Mapped[str | None] = mapped_column(Text)
    close_note: Mapped[str | None] = mapped_column(Text)


class DispatchRow(Base):
    """One responder asked to go to one area of an incident, and what became of it; or, with
    ``kind`` ``standby``, told to stand by for a warning (acknowledge, no travel: no incident,
    never counted as staffing an area)."""

    __tablename__ = "dispatches"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), default="dispatch")
    incident_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("incidents.id", ondelete="CASCADE")
    )
    warning_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("warnings.id", ondelete="CASCADE")
    )
    area_code: Mapped[str] = mapped_column(String(16))
    responder_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("responders.id"))
    state: Mapped[str] = mapped_column(String(16))
    distance_km: Mapped[float | None] = mapped_column(Float)
    notified_at: Mapped[datetime] = mapped_column(TS)
    ack_deadline: Mapped[datetime] = mapped_column(TS)
    state_at: Mapped[datetime] = mapped_column(TS)
    reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(Text)
    # The responder's availability before this dispatch made them busy (given back on release).
    prior_availability: Mapped[str | None] = mapped_column(String(16))


class IncidentQuakeRow(Base):
    """A quake of an incident's sequence: its mainshock, or an aftershock that joined it."""

    __tablename__ = "incident_quakes"

    incident_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    quake_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("quakes.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16))  # mainshock | aftershock | foreshock
    joined_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())


class DeliveryRow(Base):
    """An outbound notification (webhook, or Web Push to one subscription) and its attempts."""

    __tablename__ = "notification_deliveries"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    dispatch_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("dispatches.id", ondelete="CASCADE")
    )
    notifier: Mapped[str] = mapped_column(String(32))
    # Web Push: the subscription (NULL once the push service said it is gone).
    subscription_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("push_subscriptions.id", ondelete="SET NULL"))
    payload: Mapped[dict] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(TS)
    last_error: Mapped[str | None] = mapped_column(Text)
    response_code: Mapped[int | None] = mapped_column(Integer)
    delivered_at: Mapped[datetime | None] = mapped_column(TS)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())
