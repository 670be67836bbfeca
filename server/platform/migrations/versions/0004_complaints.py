"""Complaints from the four channels: complaints, their timeline, and summary counters.

``complaint_counts`` holds the number of complaints per regency by status, by channel, by
category and by overdue flag (about twenty rows per regency). Statement-level triggers
append signed deltas to ``complaint_count_deltas`` (no row is ever updated in place, so
concurrent intakes never wait on a hot counter) and the scheduler folds them in. The
summary reads both, so it is exact at any moment and never scans the complaints.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
STATUSES = (
    "baru",
    "diverifikasi",
    "diteruskan",
    "ditindaklanjuti",
    "selesai",
    "ditolak",
    "bukan_wewenang",
)

_KEY = "regency_code, province_code, dimension, value"
# One row per (regency, breakdown, value): status, channel, category and overdue counted
# separately (the summary never crosses them), about 20 rows per regency. Unplaced
# complaints have no regency: counted under '' so the key can be a primary key.
_EXPAND = """
    SELECT coalesce(regency_code, '') AS regency_code, coalesce(province_code, '') AS province_code,
           x.dimension, x.value
      FROM {rows}, LATERAL (VALUES ('status', status), ('channel', channel),
                                  ('category', category), ('overdue', overdue::text))
           AS x(dimension, value)
"""

_TRIGGER_FUNCTIONS = f"""
CREATE FUNCTION complaint_counts_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO complaint_count_deltas ({_KEY}, n)
    SELECT {_KEY}, count(*) FROM ({_EXPAND.format(rows="new_rows")}) e GROUP BY 1, 2, 3, 4;
    RETURN NULL;
END $$;

CREATE FUNCTION complaint_counts_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO complaint_count_deltas ({_KEY}, n)
    SELECT {_KEY}, -count(*) FROM ({_EXPAND.format(rows="old_rows")}) e GROUP BY 1, 2, 3, 4;
    RETURN NULL;
END $$;

CREATE FUNCTION complaint_counts_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO complaint_count_deltas ({_KEY}, n)
    SELECT {_KEY}, sum(n) FROM (
        SELECT e.*, 1 AS n FROM ({_EXPAND.format(rows="new_rows")}) e
        UNION ALL
        SELECT e.*, -1 FROM ({_EXPAND.format(rows="old_rows")}) e
    ) d
    GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0;
    RETURN NULL;
END $$;

CREATE TRIGGER complaint_counts_ins AFTER INSERT ON complaints
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION complaint_counts_ins();
CREATE TRIGGER complaint_counts_del AFTER DELETE ON complaints
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION complaint_counts_del();
CREATE TRIGGER complaint_counts_upd AFTER UPDATE ON complaints
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION complaint_counts_upd();
"""


def _complaints() -> None:
    op.create_table(
        "complaints",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        # Keyed hash of the normalised submission: a redelivery with other content is a 409.
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("status", sa.String(20), nullable=False, server_default="baru"),
        sa.Column("reason", sa.Text),
        sa.Column("assigned_to", sa.String(200)),
        sa.Column("province_code", sa.String(2)),
        sa.Column("regency_code", sa.String(5)),
        sa.Column("district_code", sa.String(8)),
        # What the map shows: the reported point, or the area's representative point when
        # placed by address or when the exact point is protected (whistleblower).
        sa.Column("geom", Geometry("POINT", 4326, spatial_index=False)),
        sa.Column("geom_precise", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("placement", sa.String(16)),
        sa.Column("match_confidence", sa.Float),
        sa.Column("match", JSONB),
        sa.Column("location", JSONB),
        sa.Column("village_key", sa.String(64)),
        sa.Column("reporter", JSONB),
        sa.Column("reporter_nik_hash", sa.String(64)),
        sa.Column("reporter_phone_hash", sa.String(64)),
        sa.Column("sealed", sa.LargeBinary),
        sa.Column("redacted", ARRAY(sa.String(32)), nullable=False, server_default="{}"),
        sa.Column("possible_duplicate_of", sa.BigInteger),
        sa.Column("duplicate_reason", sa.String(16)),
        sa.Column("duplicate_score", sa.Float),
        sa.Column("duplicate_decision", sa.String(16)),
        sa.Column("primary_id", sa.BigInteger),
        sa.Column("verify_due", TS),
        sa.Column("follow_up_due", TS),
        sa.Column("verified_at", TS),
        sa.Column("forwarded_at", TS),
        sa.Column("followed_up_at", TS),
        sa.Column("closed_at", TS),
        sa.Column("overdue", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("overdue_verify_at", TS),
        sa.Column("overdue_follow_up_at", TS),
        sa.UniqueConstraint("channel", "external_id", name="uq_complaints_channel_external_id"),
        sa.CheckConstraint(f"status IN {STATUSES}", name="ck_complaints_status"),
        sa.CheckConstraint(
            "channel IN ('jaga_bansos', 'sp4n_lapor', 'ditjen', 'whistleblower')",
            name="ck_complaints_channel",
        ),
        # The protected channel never keeps a reporter or a location in the clear.
        sa.CheckConstraint(
            "channel <> 'whistleblower' OR (reporter IS NULL AND location IS NULL "
            "AND NOT geom_precise)",
            name="ck_complaints_whistleblower_sealed",
        ),
    )


def _indexes() -> None:
    create = op.create_index
    create(
        "ix_complaints_received", "complaints", [sa.text("received_at DESC"), sa.text("id DESC")]
    )
    # Scope filters, newest first. No index per district or status: every index costs each
    # intake a few random page writes, and those filters narrow a regency or the newest
    # rows well enough (a district is a fifteenth of its regency).
    create("ix_complaints_province", "complaints", ["province_code", "received_at"])
    create("ix_complaints_regency", "complaints", ["regency_code", "received_at"])
    create("idx_complaints_geom", "complaints", ["geom"], postgresql_using="gist")
    create(
        "ix_complaints_description_trgm",
        "complaints",
        ["description"],
        postgresql_using="gin",
        postgresql_ops={"description": "gin_trgm_ops"},
    )
    create(
        "ix_complaints_village",
        "complaints",
        ["village_key", "received_at"],
        postgresql_where=sa.text("village_key IS NOT NULL"),
    )
    create(
        "ix_complaints_nik",
        "complaints",
        ["reporter_nik_hash", "category"],
        postgresql_where=sa.text("reporter_nik_hash IS NOT NULL"),
    )
    create(
        "ix_complaints_phone",
        "complaints",
        ["reporter_phone_hash", "category"],
        postgresql_where=sa.text("reporter_phone_hash IS NOT NULL"),
    )
    create(
        "ix_complaints_unplaced",
        "complaints",
        [sa.text("received_at DESC")],
        postgresql_where=sa.text("regency_code IS NULL"),
    )
    create(
        "ix_complaints_primary",
        "complaints",
        ["primary_id"],
        postgresql_where=sa.text("primary_id IS NOT NULL"),
    )
    create(
        "ix_complaints_possible_duplicate",
        "complaints",
        ["possible_duplicate_of"],
        postgresql_where=sa.text("possible_duplicate_of IS NOT NULL"),
    )
    create(
        "ix_complaints_overdue",
        "complaints",
        [sa.text("received_at DESC")],
        postgresql_where=sa.text("overdue"),
    )
    # The service-level job looks only at pending deadlines not yet reported.
    create(
        "ix_complaints_verify_pending",
        "complaints",
        ["verify_due"],
        postgresql_where=sa.text("status = 'baru' AND overdue_verify_at IS NULL"),
    )
    create(
        "ix_complaints_follow_up_pending",
        "complaints",
        ["follow_up_due"],
        postgresql_where=sa.text(
            "status IN ('diverifikasi', 'diteruskan') AND overdue_follow_up_at IS NULL"
        ),
    )


def _timeline() -> None:
    op.create_table(
        "complaint_timeline",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "complaint_id",
            sa.BigInteger,
            sa.ForeignKey("complaints.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(20)),
        sa.Column("to_status", sa.String(20)),
        sa.Column("note", sa.Text),
        sa.Column("details", JSONB, nullable=False, server_default="{}"),
    )
    op.create_index("ix_complaint_timeline_complaint", "complaint_timeline", ["complaint_id", "id"])


def _count_key() -> list[sa.Column]:
    return [
        sa.Column("regency_code", sa.String(5), nullable=False),
        sa.Column("province_code", sa.String(2), nullable=False),
        sa.Column("dimension", sa.String(10), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
    ]


def _counts() -> None:
    op.create_table(
        "complaint_counts",
        *_count_key(),
        sa.Column("n", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("regency_code", "dimension", "value"),
    )
    op.create_table("complaint_count_deltas", *_count_key(), sa.Column("n", sa.BigInteger))


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    _complaints()
    _indexes()
    _timeline()
    _counts()
    op.execute(_TRIGGER_FUNCTIONS)


def downgrade() -> None:
    op.drop_table("complaint_timeline")
    op.drop_table("complaints")
    op.drop_table("complaint_count_deltas")
    op.drop_table("complaint_counts")
    for name in ("ins", "del", "upd"):
        op.execute(f"DROP FUNCTION IF EXISTS complaint_counts_{name}()")
