"""Administrative areas (Kemendagri codes) and their subdivided parts for fast lookup."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import DateTime
from sqlalchemy import Float
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import SmallInteger
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from geo.crs import WGS84
from server.models.base import Base


class AreaRow(Base):
    """One province, regency/city or district, with full and display-simplified boundaries."""

    __tablename__ = "areas"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    level: Mapped[str] = mapped_column(String(10), index=True)
    #: 1 province, 2 regency, 3 district: the number of parts of the code.
    depth: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(Text)
    parent_code: Mapped[str | None] = mapped_column(String(16), index=True)
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    regency_code: Mapped[str | None] = mapped_column(String(5), index=True)
    population: Mapped[int | None] = mapped_column(BigInteger)
    area_km2: Mapped[float | None] = mapped_column(Float)
    properties: Mapped[dict] = mapped_column(JSONB, default=dict)
    #: True for regencies on the sea (tsunami marking); computed after loading.
    coastal: Mapped[bool | None] = mapped_column(Boolean)
    #: District population is estimated from its regency's by area share.
    population_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=WGS84, spatial_index=True), nullable=False)
    geom_simple = mapped_column(Geometry("MULTIPOLYGON", srid=WGS84, spatial_index=True))
    point = mapped_column(Geometry("POINT", srid=WGS84, spatial_index=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AreaPartRow(Base):
    """A small piece of an area's boundary (``ST_Subdivide``): point lookups stay sub-millisecond
    because the GiST index then narrows to a few small polygons instead of a huge coastline."""

    __tablename__ = "area_parts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(
        String(16), ForeignKey("areas.code", ondelete="CASCADE"), index=True
    )
    depth: Mapped[int] = mapped_column(SmallInteger)
    geom = mapped_column(Geometry("POLYGON", srid=WGS84, spatial_index=True), nullable=False)
