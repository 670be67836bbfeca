"""Earthquakes: quakes with revision history, impact (contours, areas, exposure), the
historical catalog, BMKG feed state; coastal flag and estimated district population on areas.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("areas", sa.Column("coastal", sa.Boolean))
    op.add_column(
        "areas",
        sa.Column("population_estimated", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    # A representative point inside each area (label, exposure, distances).
    op.add_column("areas", sa.Column("point", Geometry("POINT", 4326, spatial_index=False)))
    op.execute("UPDATE areas SET point = ST_PointOnSurface(geom)")
    op.create_index("idx_areas_point", "areas", ["point"], postgresql_using="gist")

    op.create_table(
        "quakes",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("origin_time", TS, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("depth_km", sa.Float, nullable=False),
        sa.Column("magnitude", sa.Float, nullable=False),
        sa.Column("region_text", sa.Text),
        sa.Column("tsunami", sa.Boolean),
        sa.Column("tsunami_text", sa.Text),
        sa.Column("bmkg_id", sa.String(32)),
        sa.Column("sources", ARRAY(sa.String(32)), nullable=False, server_default="{}"),
        sa.Column("felt", JSONB, nullable=False, server_default="[]"),
        sa.Column("wzarea", JSONB, nullable=False, server_default="[]"),
        sa.Column("max_mmi", sa.Float),
        sa.Column("revision", sa.Integer, nullable=False, server_default="1"),
        sa.Column("geom", Geometry("POINT", 4326, spatial_index=False), nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_quakes_origin_time", "quakes", ["origin_time"])
    op.create_index("idx_quakes_geom", "quakes", ["geom"], postgresql_using="gist")

    op.create_table(
        "quake_sightings",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "quake_id",
            sa.BigInteger,
            sa.ForeignKey("quakes.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("values", JSONB, nullable=False),
        sa.Column("first_seen_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("last_seen_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("times_seen", sa.Integer, nullable=False, server_default="1"),
        sa.Column("changed", ARRAY(sa.String(32)), nullable=False, server_default="{}"),
        sa.UniqueConstraint("quake_id", "fingerprint", name="uq_sighting_fingerprint"),
    )
    op.create_index("ix_quake_sightings_quake_id", "quake_sightings", ["quake_id"])

    op.create_table(
        "quake_contours",
        sa.Column(
            "quake_id",
            sa.BigInteger,
            sa.ForeignKey("quakes.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("mmi", sa.Float, primary_key=True),
        sa.Column("radius_km", sa.Float, nullable=False),
        sa.Column("geom", Geometry("MULTIPOLYGON", 4326, spatial_index=False), nullable=False),
    )
    op.create_index("idx_quake_contours_geom", "quake_contours", ["geom"], postgresql_using="gist")

    op.create_table(
        "quake_areas",
        sa.Column(
            "quake_id",
            sa.BigInteger,
            sa.ForeignKey("quakes.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("distance_km", sa.Float, nullable=False),
        sa.Column("predicted_mmi", sa.Float, nullable=False),
        sa.Column("observed_mmi", sa.Float),
        sa.Column("mmi", sa.Float, nullable=False),
        sa.Column("population", sa.BigInteger),
        sa.Column("tsunami_level", sa.String(32)),
    )
    op.create_index("ix_quake_areas_code", "quake_areas", ["code"])

    op.create_table(
        "quake_exposure",
        sa.Column(
            "quake_id",
            sa.BigInteger,
            sa.ForeignKey("quakes.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("mmi", sa.Integer, primary_key=True),
        sa.Column("population", sa.BigInteger, nullable=False),
    )

    op.create_table(
        "catalog_events",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("origin_time", TS, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("depth_km", sa.Float, nullable=False),
        sa.Column("magnitude", sa.Float, nullable=False),
        sa.Column("region", sa.Text),
        sa.Column("focal", JSONB),
        sa.Column("geom", Geometry("POINT", 4326, spatial_index=False), nullable=False),
        sa.UniqueConstraint("origin_time", "lat", "lon", "magnitude", name="uq_catalog_event"),
    )
    op.create_index("ix_catalog_events_origin_time", "catalog_events", ["origin_time"])
    op.create_index("idx_catalog_events_geom", "catalog_events", ["geom"], postgresql_using="gist")

    op.create_table(
        "feed_state",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("url", sa.Text),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("body_hash", sa.String(64)),
        sa.Column("last_attempt_at", TS),
        sa.Column("last_success_at", TS),
        sa.Column("last_change_at", TS),
        sa.Column("last_error", sa.Text),
        sa.Column("failing_since", TS),
        sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("records_accepted", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("records_rejected", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("payloads_rejected", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("stale", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    for table in (
        "feed_state",
        "catalog_events",
        "quake_exposure",
        "quake_areas",
        "quake_contours",
        "quake_sightings",
        "quakes",
    ):
        op.drop_table(table)
    op.drop_column("areas", "point")
    op.drop_column("areas", "population_estimated")
    op.drop_column("areas", "coastal")
