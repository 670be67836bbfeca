"""Warnings from other agencies (CAP): the messages, the districts they affect, the incidents
they opened, and the messages refused."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger
from sqlalchemy import DateTime
from sqlalchemy import Float
from sqlalchemy import ForeignKey
from sqlalchemy import LargeBinary
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from geo.crs import WGS84
from server.models.base import Base

TS = DateTime(timezone=True)


class WarningRow(Base):
    """One CAP message (an alert, or the update of one) and what Kendali made of it.

    ``state``: ``active`` until it expires (``expired``), a later message replaces it
    (``updated``) or cancels it (``cancelled``). ``ends_at`` is ``expires``, or a default
    lifetime when the message has none.
    """

    __tablename__ = "warnings"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    identifier: Mapped[str] = mapped_column(Text)
    sender: Mapped[str] = mapped_column(Text)
    sent: Mapped[datetime] = mapped_column(TS)
    status: Mapped[str] = mapped_column(String(16))
    msg_type: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(8))  # poll | push
    origin: Mapped[str | None] = mapped_column(Text)  # the URL, or the agency key
    hazard: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    level: Mapped[str | None] = mapped_column(String(8))  # InaTEWS AWAS / SIAGA / WASPADA
    event: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str | None] = mapped_column(String(16))
    certainty: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(16))
    sender_name: Mapped[str | None] = mapped_column(Text)
    headline: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    instruction: Mapped[str | None] = mapped_column(Text)
    web: Mapped[str | None] = mapped_column(Text)
    area_desc: Mapped[str | None] = mapped_column(Text)
    effective: Mapped[datetime] = mapped_column(TS)
    onset: Mapped[datetime | None] = mapped_column(TS)
    expires: Mapped[datetime | None] = mapped_column(TS)
    ends_at: Mapped[datetime] = mapped_column(TS)
    action: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="active")
    ended_at: Mapped[datetime | None] = mapped_column(TS)
    replaced_by: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("warnings.id", ondelete="SET NULL"))
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=WGS84, spatial_index=True))
    references: Mapped[list] = mapped_column(JSONB, default=list)
    quirks: Mapped[list] = mapped_column(JSONB, default=list)
    unresolved: Mapped[list] = mapped_column(JSONB, default=list)
    document: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())


class WarningDistrictRow(Base):
    """An area a warning affects: a district (or a regency its text names as a whole), where
    it is happening (``terjadi``) or may spread (``meluas``), found by polygon, name or both."""

    __tablename__ = "warning_districts"

    warning_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("warnings.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(8))
    by: Mapped[str] = mapped_column(String(8))
    #: Share of a polygon lying in the district (by polygon only), for the record.
    share: Mapped[float | None] = mapped_column(Float)


class IncidentWarningRow(Base):
    """A warning that opened or joined an incident."""

    __tablename__ = "incident_warnings"

    incident_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    warning_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("warnings.id", ondelete="CASCADE"), primary_key=True)
    joined_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())


class WarningRejectionRow(Base):
    """A CAP message Kendali refused, with the field at fault and why (counted on
    ``/healthz``)."""

    __tablename__ = "warning_rejections"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(TS, server_default=func.now())
    source: Mapped[str] = mapped_column(String(8))
    origin: Mapped[str | None] = mapped_column(Text)
    identifier: Mapped[str | None] = mapped_column(Text)
    sender: Mapped[str | None] = mapped_column(Text)
    field: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
