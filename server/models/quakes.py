"""Earthquakes, their sightings (revision history), impact, the catalog and feed state."""

from __future__ import annotations

from datetime import datetime

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
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from geo.crs import WGS84
from server.models.base import Base

TS = DateTime(timezone=True)


class QuakeRow(Base):
    """One earthquake as Kendali currently believes it (latest revision)."""

    __tablename__ = "quakes"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    origin_time: Mapped[datetime] = mapped_column(TS)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    depth_km: Mapped[float] = mapped_column(Float)
    magnitude: Mapped[float] = mapped_column(Float)
    region_text: Mapped[str | None] = mapped_column(Text)
    tsunami: Mapped[bool | None] = mapped_column(Boolean)
    tsunami_text: Mapped[str | None] = mapped_column(Text)
    bmkg_id: Mapped[str | None] = mapped_column(String(32))
    sources: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list)
    felt: Mapped[list] = mapped_column(JSONB, default=list)
    wzarea: Mapped[list] = mapped_column(JSONB, default=list)
    max_mmi: Mapped[float | None] = mapped_column(Float)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # Placed reports the stored impact is conditioned on (0: the intensity model alone).
    observations: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Older than KENDALI_INCIDENT_MAX_AGE when first seen: stored and listed, never paged.
    backfilled: Mapped[bool] = mapped_column(Boolean, default=False)
    geom = mapped_column(Geometry("POINT", srid=WGS84, spatial_index=True))
    created_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())


class SightingRow(Base):
    """A distinct report of a quake from one feed; repeats only bump ``times_seen``."""

    __tablename__ = "quake_sightings"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    quake_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("quakes.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(32))
    fingerprint: Mapped[str] = mapped_column(String(64))
    values: Mapped[dict] = mapped_column(JSONB)
    first_seen_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())
    last_seen_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())
    times_seen: Mapped[int] = mapped_column(Integer, default=1)
    changed: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list)


class ContourRow(Base):
    __tablename__ = "quake_contours"

    quake_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("quakes.id", ondelete="CASCADE"), primary_key=True
    )
    mmi: Mapped[float] = mapped_column(Float, primary_key=True)
    radius_km: Mapped[float] = mapped_column(Float)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=WGS84, spatial_index=True))


class QuakeAreaRow(Base):
    __tablename__ = "quake_areas"

    quake_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("quakes.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    level: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(Text)
    distance_km: Mapped[float] = mapped_column(Float)
    predicted_mmi: Mapped[float] = mapped_column(Float)
    observed_mmi: Mapped[float | None] = mapped_column(Float)
    mmi: Mapped[float] = mapped_column(Float)
    population: Mapped[int | None] = mapped_column(BigInteger)
    tsunami_level: Mapped[str | None] = mapped_column(String(32))


class ExposureRow(Base):
    __tablename__ = "quake_exposure"

    quake_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("quakes.id", ondelete="CASCADE"), primary_key=True
    )
    mmi: Mapped[int] = mapped_column(Integer, primary_key=True)
    population: Mapped[int] = mapped_column(BigInteger)


class CatalogEventRow(Base):
    """One event of BMKG's historical catalog (2008–2022)."""

    __tablename__ = "catalog_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    origin_time: Mapped[datetime] = mapped_column(TS)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    depth_km: Mapped[float] = mapped_column(Float)
    magnitude: Mapped[float] = mapped_column(Float)
    region: Mapped[str | None] = mapped_column(Text)
    focal: Mapped[dict | None] = mapped_column(JSONB)
    geom = mapped_column(Geometry("POINT", srid=WGS84, spatial_index=True))


class FeedStateRow(Base):
    """Health of one BMKG feed, shared by all processes (``/healthz`` reads it)."""

    __tablename__ = "feed_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    body_hash: Mapped[str | None] = mapped_column(String(64))
    last_attempt_at: Mapped[datetime | None] = mapped_column(TS)
    last_success_at: Mapped[datetime | None] = mapped_column(TS)
    last_change_at: Mapped[datetime | None] = mapped_column(TS)
    last_error: Mapped[str | None] = mapped_column(Text)
    failing_since: Mapped[datetime | None] = mapped_column(TS)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    records_accepted: Mapped[int] = mapped_column(BigInteger, default=0)
    records_rejected: Mapped[int] = mapped_column(BigInteger, default=0)
    payloads_rejected: Mapped[int] = mapped_column(BigInteger, default=0)
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
