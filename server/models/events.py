"""The append-only event log: every change a map client must see, in sequence order."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy import DateTime
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import func
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from server.models.base import Base


class EventRow(Base):
    """One event. ``seq`` only grows; rows are never updated or deleted (a trigger refuses)."""

    __tablename__ = "event_log"
    __table_args__ = (
        Index("ix_event_log_regions", "regions", postgresql_using="gin"),
        Index("ix_event_log_responder_ids", "responder_ids", postgresql_using="gin"),
        Index("ix_event_log_unit_ids", "unit_ids", postgresql_using="gin"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    #: Area codes the event concerns (e.g. ["72", "72.71"]); empty means national only.
    regions: Mapped[list[str]] = mapped_column(ARRAY(String(16)), default=list)
    #: Responders the event concerns (their tablets see it); empty for most events.
    responder_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), default=list)
    #: Work units the event concerns (a complaint forwarded to them); their members see it.
    unit_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), default=list)
    payload: Mapped[dict] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    xid: Mapped[str] = mapped_column(Text, server_default=text("pg_current_xact_id()::text"))
