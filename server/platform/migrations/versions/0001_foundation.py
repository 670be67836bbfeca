"""Foundation: PostGIS, administrative areas, their lookup parts, the event log.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "areas",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("depth", sa.SmallInteger, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("parent_code", sa.String(16)),
        sa.Column("province_code", sa.String(2), nullable=False),
        sa.Column("regency_code", sa.String(5)),
        sa.Column("population", sa.BigInteger),
        sa.Column("area_km2", sa.Float),
        sa.Column("properties", JSONB, nullable=False, server_default="{}"),
        sa.Column("geom", Geometry("MULTIPOLYGON", 4326, spatial_index=False), nullable=False),
        sa.Column("geom_simple", Geometry("MULTIPOLYGON", 4326, spatial_index=False)),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.CheckConstraint("level IN ('province', 'regency', 'district')", name="ck_areas_level"),
    )
    op.create_index("ix_areas_level", "areas", ["level"])
    op.create_index("ix_areas_parent_code", "areas", ["parent_code"])
    op.create_index("ix_areas_province_code", "areas", ["province_code"])
    op.create_index("ix_areas_regency_code", "areas", ["regency_code"])
    op.create_index("idx_areas_geom", "areas", ["geom"], postgresql_using="gist")
    op.create_index("idx_areas_geom_simple", "areas", ["geom_simple"], postgresql_using="gist")

    op.create_table(
        "area_parts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "code", sa.String(16), sa.ForeignKey("areas.code", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("depth", sa.SmallInteger, nullable=False),
        sa.Column("geom", Geometry("POLYGON", 4326, spatial_index=False), nullable=False),
    )
    op.create_index("ix_area_parts_code", "area_parts", ["code"])
    op.create_index("idx_area_parts_geom", "area_parts", ["geom"], postgresql_using="gist")

    # Point -> area lookup, one lateral subquery per point. The branches are tried in order
    # and the first row wins (LIMIT over UNION ALL stops early): a regency/district part that
    # contains the point; else the nearest regency/district part within the coastal margin
    # (KNN on the GiST index, then the exact geodesic distance of a few candidates); else the
    # same two steps on provinces, for a database with only the province layer. Province and
    # regency then come from the code. plpgsql caches the plan (planning costs more than running).
    op.execute(
        """
        CREATE FUNCTION kendali_lookup(lats float8[], lons float8[], margin_m float8)
        RETURNS TABLE (i bigint, code text, dist_m float8, province_code text,
                       province_name text, regency_code text, regency_name text,
                       district_code text, district_name text)
        LANGUAGE plpgsql STABLE AS $fn$
        #variable_conflict use_column
        BEGIN
        RETURN QUERY
SELECT q.i AS i, hit.code::text AS code, hit.dist_m AS dist_m,
       prov.code::text, prov.name, reg.code::text, reg.name, dist.code::text, dist.name
FROM unnest(CAST(lats AS float8[]), CAST(lons AS float8[])) WITH ORDINALITY AS q(lat, lon, i)
CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(q.lon, q.lat), 4326) AS g) pt
LEFT JOIN LATERAL (
    (SELECT p.code, 0::float8 AS dist_m FROM area_parts p
      WHERE p.depth >= 2 AND ST_Intersects(p.geom, pt.g)
      ORDER BY p.depth DESC, p.code LIMIT 1)
    UNION ALL
    (SELECT n.code, n.dist_m FROM (
        SELECT p.code, p.depth, ST_Distance(p.geom::geography, pt.g::geography) AS dist_m
          FROM area_parts p WHERE p.depth >= 2
         ORDER BY p.geom <-> pt.g LIMIT 8) n
      WHERE n.dist_m <= margin_m ORDER BY n.dist_m, n.depth DESC LIMIT 1)
    UNION ALL
    (SELECT p.code, 0::float8 FROM area_parts p
      WHERE p.depth = 1 AND ST_Intersects(p.geom, pt.g) ORDER BY p.code LIMIT 1)
    UNION ALL
    (SELECT n.code, n.dist_m FROM (
        SELECT p.code, ST_Distance(p.geom::geography, pt.g::geography) AS dist_m
          FROM area_parts p WHERE p.depth = 1
         ORDER BY p.geom <-> pt.g LIMIT 4) n
      WHERE n.dist_m <= margin_m ORDER BY n.dist_m LIMIT 1)
    LIMIT 1
) hit ON true
LEFT JOIN areas prov ON prov.code = split_part(hit.code, '.', 1)
LEFT JOIN areas reg ON reg.code = left(hit.code, 5) AND length(hit.code) >= 5
LEFT JOIN areas dist ON dist.code = hit.code AND length(hit.code) >= 8
ORDER BY q.i;
        END $fn$;
        """
    )

    op.create_table(
        "event_log",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("regions", ARRAY(sa.String(16)), nullable=False, server_default="{}"),
        sa.Column("responder_ids", ARRAY(sa.BigInteger), nullable=False, server_default="{}"),
        sa.Column("payload", JSONB, nullable=False, server_default="{}"),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        # The writing transaction: the publisher waits for in-progress ones at a gap.
        sa.Column(
            "xid", sa.Text, nullable=False, server_default=sa.text("pg_current_xact_id()::text")
        ),
    )
    op.create_index("ix_event_log_type", "event_log", ["type"])
    op.create_index("ix_event_log_regions", "event_log", ["regions"], postgresql_using="gin")
    op.create_index(
        "ix_event_log_responder_ids", "event_log", ["responder_ids"], postgresql_using="gin"
    )
    # Append-only: the log is what reconnecting clients catch up from, so history never changes.
    op.execute(
        """
        CREATE FUNCTION event_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'event_log is append-only (% refused)', TG_OP;
        END $$;
        CREATE TRIGGER event_log_append_only BEFORE UPDATE OR DELETE ON event_log
            FOR EACH ROW EXECUTE FUNCTION event_log_append_only();
        """
    )


def downgrade() -> None:
    op.drop_table("event_log")
    op.execute("DROP FUNCTION IF EXISTS event_log_append_only()")
    op.execute("DROP FUNCTION IF EXISTS kendali_lookup(float8[], float8[], float8)")
    op.drop_table("area_parts")
    op.drop_table("areas")
