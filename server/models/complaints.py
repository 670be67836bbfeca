"""Complaints from the four channels, their timeline, and the summary counters."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import DateTime
from sqlalchemy import Float
from sqlalchemy import ForeignKey
from sqlalchemy import LargeBinary
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from geo.crs import WGS84
from server.models.base import Base

TS = DateTime(timezone=True)


class ComplaintRow(Base):
    """One complaint. Whistleblower identity and exact location live only in ``sealed``
    (encrypted); ``geom`` is what may be shown, never more precise than allowed."""

    __tablename__ = "complaints"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_complaints_channel_external_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    content_hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(TS)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())
    category: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="baru")
    reason: Mapped[str | None] = mapped_column(Text)
    #: The work unit the complaint is forwarded to (``units.id``).
    assigned_to: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("units.id", ondelete="RESTRICT"))
    province_code: Mapped[str | None] = mapped_column(String(2))
    regency_code: Mapped[str | None] = mapped_column(String(5))
    district_code: Mapped[str | None] = mapped_column(String(8))
    geom = mapped_column(Geometry("POINT", srid=WGS84, spatial_index=False))
    geom_precise: Mapped[bool] = mapped_column(Boolean, default=False)
    placement: Mapped[str | None] = mapped_column(String(16))
    match_confidence: Mapped[float | None] = mapped_column(Float)
    match: Mapped[dict | None] = mapped_column(JSONB)
    location: Mapped[dict | None] = mapped_column(JSONB)
    village_key: Mapped[str | None] = mapped_column(String(64))
    reporter: Mapped[dict | None] = mapped_column(JSONB)
    reporter_nik_hash: Mapped[str | None] = mapped_column(String(64))
    reporter_phone_hash: Mapped[str | None] = mapped_column(String(64))
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    redacted: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list)
    possible_duplicate_of: Mapped[int | None] = mapped_column(BigInteger)
    duplicate_reason: Mapped[str | None] = mapped_column(String(16))
    duplicate_score: Mapped[float | None] = mapped_column(Float)
    duplicate_decision: Mapped[str | None] = mapped_column(String(16))
    primary_id: Mapped[int | None] = mapped_column(BigInteger)
    verify_due: Mapped[datetime | None] = mapped_column(TS)
    follow_up_due: Mapped[datetime | None] = mapped_column(TS)
    verified_at: Mapped[datetime | None] = mapped_column(TS)
    forwarded_at: Mapped[datetime | None] = mapped_column(TS)
    followed_up_at: Mapped[datetime | None] = mapped_column(TS)
    closed_at: Mapped[datetime | None] = mapped_column(TS)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    overdue_verify_at: Mapped[datetime | None] = mapped_column(TS)
    overdue_follow_up_at: Mapped[datetime | None] = mapped_column(TS)


class ComplaintTimelineRow(Base):
    """One entry of a complaint's timeline: who did what, when, with which note."""

    __tablename__ = "complaint_timeline"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("complaints.id", ondelete="CASCADE")
    )
    at: Mapped[datetime] = mapped_column(TS, server_default=func.now())
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSONB, default=dict)


class ComplaintCountRow(Base):
    """Complaints per regency by one breakdown (status, channel, category, overdue)."""

    __tablename__ = "complaint_counts"

    regency_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    province_code: Mapped[str] = mapped_column(String(2))
    dimension: Mapped[str] = mapped_column(String(10), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)
