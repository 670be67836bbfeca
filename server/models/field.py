"""The field tablet's own rows: Web Push subscriptions and reports from the ground."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from geo.crs import WGS84
from server.models.base import Base

TS = DateTime(timezone=True)


class PushSubscriptionRow(Base):
    """A browser's Web Push subscription (its PushSubscription JSON) for a field account."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    endpoint: Mapped[str] = mapped_column(Text, unique=True)
    p256dh: Mapped[str] = mapped_column(Text)
    auth: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())
    last_success_at: Mapped[datetime | None] = mapped_column(TS)


class FieldReportRow(Base):
    """A report from the ground (rapid needs assessment) sent from an assignment."""

    __tablename__ = "field_reports"
    __table_args__ = (UniqueConstraint("responder_id", "client_id",
                                       name="uq_field_reports_client"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    responder_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("responders.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    dispatch_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("dispatches.id", ondelete="CASCADE"))
    incident_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("incidents.id", ondelete="CASCADE"))
    area_code: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    affected: Mapped[int | None] = mapped_column(Integer)
    injured: Mapped[int | None] = mapped_column(Integer)
    dead: Mapped[int | None] = mapped_column(Integer)
    displaced: Mapped[int | None] = mapped_column(Integer)
    houses_damaged: Mapped[int | None] = mapped_column(Integer)
    needs: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    position = mapped_column(Geometry("POINT", srid=WGS84, spatial_index=False))
    reported_at: Mapped[datetime] = mapped_column(TS)
    received_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())
    photo_path: Mapped[str | None] = mapped_column(Text)
    thumbnail_path: Mapped[str | None] = mapped_column(Text)
    photo_type: Mapped[str | None] = mapped_column(String(32))
    photo_bytes: Mapped[int | None] = mapped_column(Integer)
    photo_width: Mapped[int | None] = mapped_column(Integer)
    photo_height: Mapped[int | None] = mapped_column(Integer)
    photo_location_kept: Mapped[bool] = mapped_column(Boolean, default=False)
