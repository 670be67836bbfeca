"""Work units: the directorates general and the social offices complaints are forwarded to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy import DateTime
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import func
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from server.models.base import Base


class UnitRow(Base):
    """A unit that can receive complaints: a directorate general (no region), a provincial or
    regency social office (its region), or another unit. Accounts belong to one unit."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    #: ``directorate``, ``provincial_office``, ``regency_office`` or ``other``.
    kind: Mapped[str] = mapped_column(String(24), default="other")
    #: The area the unit serves (a province or regency code); None for national units.
    region_code: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
