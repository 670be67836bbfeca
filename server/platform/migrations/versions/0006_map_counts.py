"""Map aggregation: complaint counts per district, status, channel, category and overdue flag,
kept exact by a trigger, so a national viewport over a million complaints is a small sum.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaint_map_counts",
        sa.Column("district_code", sa.String(8), primary_key=True),
        sa.Column("status", sa.String(20), primary_key=True),
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("category", sa.String(64), primary_key=True),
        sa.Column("overdue", sa.Boolean, primary_key=True),
        sa.Column("n", sa.BigInteger, nullable=False),
    )
    # The unfiltered map (the wall, the national view): one row per district.
    op.create_table(
        "complaint_district_totals",
        sa.Column("district_code", sa.String(8), primary_key=True),
        sa.Column("n", sa.BigInteger, nullable=False),
        sa.Column("open", sa.BigInteger, nullable=False),
        sa.Column("overdue", sa.BigInteger, nullable=False),
    )
    # Statement-level triggers with transition tables: a bulk load (COPY, INSERT ... SELECT)
    # updates the counts with one aggregate per statement, not one upsert per row.
    op.execute(
        """
        CREATE FUNCTION complaint_map_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO complaint_map_counts AS m
            SELECT district_code, status, channel, category, overdue, sum(delta)
              FROM (
                SELECT district_code, status, channel, category, coalesce(overdue, false)
                       AS overdue, 1 AS delta FROM new_rows WHERE district_code IS NOT NULL
              ) d
             GROUP BY 1, 2, 3, 4, 5
            ON CONFLICT (district_code, status, channel, category, overdue)
            DO UPDATE SET n = m.n + EXCLUDED.n;
            INSERT INTO complaint_district_totals AS t
            SELECT district_code, count(*),
                   count(*) FILTER (WHERE status NOT IN ('bukan_wewenang', 'ditolak', 'selesai')),
                   count(*) FILTER (WHERE coalesce(overdue, false))
              FROM new_rows WHERE district_code IS NOT NULL GROUP BY 1
            ON CONFLICT (district_code) DO UPDATE SET n = t.n + EXCLUDED.n,
                open = t.open + EXCLUDED.open, overdue = t.overdue + EXCLUDED.overdue;
            RETURN NULL;
        END $$;

        CREATE FUNCTION complaint_map_counts_remove() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO complaint_map_counts AS m
            SELECT district_code, status, channel, category, coalesce(overdue, false), -count(*)
              FROM old_rows WHERE district_code IS NOT NULL
             GROUP BY 1, 2, 3, 4, 5
            ON CONFLICT (district_code, status, channel, category, overdue)
            DO UPDATE SET n = m.n + EXCLUDED.n;
            INSERT INTO complaint_district_totals AS t
            SELECT district_code, -count(*),
                   -count(*) FILTER (WHERE status NOT IN ('bukan_wewenang', 'ditolak', 'selesai')),
                   -count(*) FILTER (WHERE coalesce(overdue, false))
              FROM old_rows WHERE district_code IS NOT NULL GROUP BY 1
            ON CONFLICT (district_code) DO UPDATE SET n = t.n + EXCLUDED.n,
                open = t.open + EXCLUDED.open, overdue = t.overdue + EXCLUDED.overdue;
            RETURN NULL;
        END $$;

        CREATE FUNCTION complaint_map_counts_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO complaint_map_counts AS m
            SELECT district_code, status, channel, category, overdue, sum(delta)
              FROM (
                SELECT district_code, status, channel, category,
                       coalesce(overdue, false) AS overdue, -1 AS delta
                  FROM old_rows WHERE district_code IS NOT NULL
                UNION ALL
                SELECT district_code, status, channel, category,
                       coalesce(overdue, false), 1
                  FROM new_rows WHERE district_code IS NOT NULL
              ) d
             GROUP BY 1, 2, 3, 4, 5
            HAVING sum(delta) <> 0
            ON CONFLICT (district_code, status, channel, category, overdue)
            DO UPDATE SET n = m.n + EXCLUDED.n;
            INSERT INTO complaint_district_totals AS t
            SELECT district_code, -count(*),
                   -count(*) FILTER (WHERE status NOT IN ('bukan_wewenang', 'ditolak', 'selesai')),
                   -count(*) FILTER (WHERE coalesce(overdue, false))
              FROM old_rows WHERE district_code IS NOT NULL GROUP BY 1
            ON CONFLICT (district_code) DO UPDATE SET n = t.n + EXCLUDED.n,
                open = t.open + EXCLUDED.open, overdue = t.overdue + EXCLUDED.overdue;
            INSERT INTO complaint_district_totals AS t
            SELECT district_code, count(*),
                   count(*) FILTER (WHERE status NOT IN ('bukan_wewenang', 'ditolak', 'selesai')),
                   count(*) FILTER (WHERE coalesce(overdue, false))
              FROM new_rows WHERE district_code IS NOT NULL GROUP BY 1
            ON CONFLICT (district_code) DO UPDATE SET n = t.n + EXCLUDED.n,
                open = t.open + EXCLUDED.open, overdue = t.overdue + EXCLUDED.overdue;
            RETURN NULL;
        END $$;

        CREATE FUNCTION complaint_map_counts_clear() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM complaint_map_counts;
            DELETE FROM complaint_district_totals;
            RETURN NULL;
        END $$;

        CREATE TRIGGER complaint_map_counts_insert AFTER INSERT ON complaints
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION complaint_map_counts_add();
        CREATE TRIGGER complaint_map_counts_delete AFTER DELETE ON complaints
            REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION complaint_map_counts_remove();
        CREATE TRIGGER complaint_map_counts_update AFTER UPDATE ON complaints
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION complaint_map_counts_change();
        CREATE TRIGGER complaint_map_counts_truncate AFTER TRUNCATE ON complaints
            FOR EACH STATEMENT EXECUTE FUNCTION complaint_map_counts_clear();

        INSERT INTO complaint_map_counts
        SELECT district_code, status, channel, category, coalesce(overdue, false), count(*)
          FROM complaints WHERE district_code IS NOT NULL
         GROUP BY 1, 2, 3, 4, 5;
        INSERT INTO complaint_district_totals
        SELECT district_code, count(*),
               count(*) FILTER (WHERE status NOT IN ('bukan_wewenang', 'ditolak', 'selesai')),
               count(*) FILTER (WHERE coalesce(overdue, false))
          FROM complaints WHERE district_code IS NOT NULL GROUP BY 1;
        """
    )


def downgrade() -> None:
    for name in ("insert", "delete", "update", "truncate"):
        op.execute(f"DROP TRIGGER IF EXISTS complaint_map_counts_{name} ON complaints")
    for name in ("add", "remove", "change", "clear"):
        op.execute(f"DROP FUNCTION IF EXISTS complaint_map_counts_{name}()")
    op.drop_table("complaint_district_totals")
    op.drop_table("complaint_map_counts")
